"""The toolchain steps an executor can run: each reads a Job and writes into job.out_dir."""
from __future__ import annotations

import shutil

from . import build_model, mixed_precision, verify
from .artifact import read_meta, read_model_meta, write_meta
from .data import samples_for
from .errors import UnsupportedOps
from .job import Job
from .adapters import load_compiler, load_converter, load_quantizer
from .progress import Stopwatch, log

# calibration draws from a fixed seed (not a setting): the same model calibrates the same way on every machine
CALIBRATION_SEED = 0


def shape_profiles(job: Job) -> dict:
    """Inputs with unknown dimensions: their min/opt/max shapes at the variant's batch size, as TensorRT's
    optimization profiles take them (the artifact keeps those dimensions dynamic)."""
    profiles = {
        spec.name: {which: [job.batch_size, *spec.shape_range[which]] for which in ("min", "opt", "max")}
        for spec in job.inputs
        if spec.shape_range is not None
    }
    return {"shapeProfiles": profiles} if profiles else {}


SHAPE_FIELDS = ("shapeProfiles", "fixedShapes", "fixedShapesReason")


def _common_meta(job: Job) -> dict:
    return {
        "variant": job.require("variant", str),
        "platform": job.require("platform", str),
        "runtime": job.require("runtime", str),
        "precision": job.precision,
        "batchSize": job.batch_size,
        **shape_profiles(job),
    }


def convert_source(model_dir, model: dict):
    """What converters and quantizers start from: the prepared graph where build-model prepared one."""
    name = model.get("convertFrom") or model["savedModel"]
    if name != model["savedModel"]:
        log(f"converting from the prepared graph ({name}): {model.get('preparation', {})}")
    return model_dir / name


def _clear(folder) -> None:
    """What a failed converter left behind, before the next one writes."""
    for entry in folder.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def convert(job: Job) -> None:
    """The runtime's converter; where it cannot express an op of the model, the platform's fallback runtimes in
    order (the plugin resolved them from the descriptor; the artifact records which runtime it is for, and why)."""
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    candidates = [{"runtime": job.require("runtime", str), "converter": job.require("converter", str)}, *job.fallbacks]
    watch = Stopwatch()
    refused: list[UnsupportedOps] = []
    for candidate in candidates:
        log(f"converting {job.require('variant', str)} with {candidate['converter']} (runtime {candidate['runtime']})")
        converter = load_converter(candidate["converter"])
        source = model_dir / model["savedModel"] if getattr(converter, "STARTS_FROM_ORIGINAL", False) else convert_source(model_dir, model)
        try:
            meta = converter.convert(job, source, job.out_dir)
            break
        except UnsupportedOps as e:
            refused.append(e)
            _clear(job.out_dir)
            if len(refused) < len(candidates):
                log(f"{e}; falling back to runtime {candidates[len(refused)]['runtime']} (the platform descriptor's fallback)")
    else:
        tried = "; ".join(f"{c['runtime']}: {', '.join(e.ops)}" for c, e in zip(candidates[1:], refused[1:]))
        raise UnsupportedOps(f"{refused[0]}" + (f" (fallback runtimes could not either: {tried})" if tried else ""), refused[0].ops)
    fallback = None
    if refused:
        # what serving the artifact needs (compose, serve and bench read it from here): the fallback runtime's
        fallback = {
            "from": candidates[0]["runtime"],
            "ops": refused[0].ops,
            "reason": str(refused[0]),
            "executor": candidate["serveExecutor"],
            "requirements": candidate["requirements"],
        }
    meta = write_meta(
        job.out_dir,
        {
            **_common_meta(job),
            "precision": "fp32",
            **meta,
            "runtime": candidate["runtime"],
            "converter": candidate["converter"],
            "convertedFrom": source.name,  # saved_model, or build-model's prepared_model
            **({"fallback": fallback} if fallback else {}),
            "seconds": watch.seconds,
        },
    )
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


def quantize(job: Job) -> None:
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    converted = read_meta(job.path("convertPath"))
    # a convert step that fell back to another runtime hands the quantize step that runtime's quantizer
    quantizer_name = job.runtime_entry(converted["runtime"])["quantizer"]
    quantizer = load_quantizer(quantizer_name)
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]), seed=CALIBRATION_SEED)
    log(f"quantizing {job.require('variant', str)} to {job.precision} with {quantizer_name} on {samples.count} samples ({samples.origin})")
    watch = Stopwatch()
    source = convert_source(model_dir, model)
    meta = quantizer.quantize(job, source, job.path("convertPath"), samples, job.out_dir)
    # INT8 checked against the float model; layers kept float where full INT8 misses the tolerance
    meta = mixed_precision.ensure(job, quantizer, meta, source, job.path("convertPath"), samples, job.out_dir)
    meta = write_meta(
        job.out_dir,
        {
            **_common_meta(job),
            **meta,
            "runtime": converted["runtime"],
            **({"fallback": converted["fallback"]} if "fallback" in converted else {}),
            "converter": converted.get("converter"),
            "quantizer": quantizer_name,
            "calibration": {"samples": samples.count, "origin": samples.origin},
            "seconds": watch.seconds,
            "convertSeconds": converted.get("seconds"),
        },
    )
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


def compile_artifact(job: Job) -> None:
    """Hardware-specific compile of the deployed artifact (e.g. a Vitis AI .xmodel for a DPU)."""
    compiler_name = job.require("compiler", str)
    compiler = load_compiler(compiler_name)
    artifact_dir = job.path("artifactPath")
    log(f"compiling {job.require('variant', str)} with {compiler_name}")
    watch = Stopwatch()
    source = read_meta(artifact_dir)
    meta = compiler.compile(job, artifact_dir, source, job.out_dir)
    # the compiled graph loses the signature's output names; the deployed runtime maps them back in order
    outputs = [o["name"] for o in read_model_meta(job.path("modelPath"))["outputs"]]
    shapes = {k: source[k] for k in SHAPE_FIELDS if k in source}  # the shapes it was compiled for
    meta = write_meta(job.out_dir, {**_common_meta(job), **shapes, "outputs": outputs, **meta, "compiler": compiler_name, "seconds": watch.seconds})
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


def _bench_inprocess(job: Job) -> None:
    from .bench import inprocess  # noqa: PLC0415 (imports the server and both runtimes)

    inprocess.run(job)


def _ceiling(job: Job) -> None:
    from .bench import ceiling  # noqa: PLC0415

    ceiling.run(job)


def _plan(job: Job) -> None:
    from . import plan  # noqa: PLC0415 (SciPy only here)

    plan.run(job)


STEPS = {
    "build-model": build_model.run,
    "convert": convert,
    "quantize": quantize,
    "verify": verify.run,
    "compile": compile_artifact,
    "bench-inprocess": _bench_inprocess,
    "ceiling": _ceiling,
    "plan": _plan,
}
