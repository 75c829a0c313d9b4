"""The toolchain steps an executor can run: each reads a Job and writes into job.out_dir."""
from __future__ import annotations

import shutil

from . import build_model, mixed_precision, reference, verify
from .artifact import CALIBRATION_META, META_FILE, link_tree, read_meta, read_model_meta, write_meta
from .data import samples_for
from .errors import ToolchainError, UnsupportedOps
from .job import Job
from .jsonio import write_json
from .adapters import load_compiler, load_converter, load_quantizer
from .progress import Stopwatch, log


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
    """What a failed converter left behind."""
    for entry in folder.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def export(job: Job) -> None:
    """A model-level shared step: one converter's output at one batch size, for every variant that starts from it.
    A converter that cannot express an op of the model is an answer, not a failure: the refusal is recorded (and
    cached), and each variant's convert step then takes its platform's fallback runtime's export."""
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    name = job.require("converter", str)
    converter = load_converter(name)
    source = model_dir / model["savedModel"] if getattr(converter, "STARTS_FROM_ORIGINAL", False) else convert_source(model_dir, model)
    watch = Stopwatch()
    base = {"converter": name, "batchSize": job.batch_size, **shape_profiles(job), "convertedFrom": source.name}
    stand_in_for = job.optional("onlyIfRefused")
    if stand_in_for and not any("refused" in read_meta(job.workspace / path) for path in stand_in_for):
        # only a fallback runtime starts from this export, and every export it stands in for converted the model
        write_json(job.out_dir / META_FILE, {**base, "skipped": f"not needed: {', '.join(stand_in_for)} converted the model", "seconds": watch.seconds})
        log(f"{name}: not needed (only a fallback runtime starts from it, and {', '.join(stand_in_for)} converted the model)")
        return
    log(f"exporting {job.require('model', str)} with {name} (batch {job.batch_size})")
    try:
        meta = converter.convert(job, source, job.out_dir)
    except UnsupportedOps as e:
        _clear(job.out_dir)
        write_json(job.out_dir / META_FILE, {**base, "refused": {"reason": str(e), "ops": e.ops}, "seconds": watch.seconds})
        log(f"{e} (recorded: the variants that start from this export take their platform's fallback runtime)")
        return
    meta = write_meta(job.out_dir, {"precision": "fp32", **meta, **base, "seconds": watch.seconds})
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


# what a variant's convert step takes from the export besides the artifact's description
_EXPORT_ONLY = ("sizeBytes", "python", "batchSize", "shapeProfiles")


def convert(job: Job) -> None:
    """The variant's model: the runtime's converter's export, or where that converter refused an op of the model, the
    first fallback runtime's (the platform descriptor's order). The artifact is linked from the model-level export,
    not copied; the artifact.json is the variant's own (runtime, fallback, batch)."""
    candidates = [{"runtime": job.require("runtime", str), "converter": job.require("converter", str)}, *job.fallbacks]
    paths = {e["runtime"]: e["path"] for e in job.require("exports", list)}
    refused: list[tuple[dict, dict]] = []
    for candidate in candidates:
        export_dir = job.workspace / paths[candidate["runtime"]]
        exported = read_meta(export_dir)
        if "skipped" in exported:
            raise ToolchainError(f"{paths[candidate['runtime']]} was not converted ({exported['skipped']}), yet {refused[-1][0]['runtime'] if refused else 'the runtime'} refused: run the model's exports again")
        if "refused" not in exported:
            break
        refused.append((candidate, exported["refused"]))
    else:
        first = refused[0][1]
        tried = "; ".join(f"{c['runtime']}: {', '.join(r['ops'])}" for c, r in refused[1:])
        raise UnsupportedOps(f"{job.subject}: {first['reason']}" + (f" (fallback runtimes could not either: {tried})" if tried else ""), first["ops"])
    if refused:
        log(f"{refused[0][1]['reason']}; falling back to runtime {candidate['runtime']} (the platform descriptor's fallback)")
    link_tree(export_dir / exported["artifact"], job.out_dir / exported["artifact"])
    fallback = None
    if refused:
        # what serving the artifact needs (compose, serve and bench read it from here): the fallback runtime's
        fallback = {
            "from": candidates[0]["runtime"],
            "ops": refused[0][1]["ops"],
            "reason": refused[0][1]["reason"],
            "executor": candidate["serveExecutor"],
            "requirements": candidate["requirements"],
        }
    meta = write_meta(
        job.out_dir,
        {
            **_common_meta(job),
            **{k: v for k, v in exported.items() if k not in _EXPORT_ONLY},
            "runtime": candidate["runtime"],
            "converter": candidate["converter"],
            "exportedAt": paths[candidate["runtime"]],  # the shared export the artifact links to
            **({"fallback": fallback} if fallback else {}),
        },
    )
    log(f"{meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) from the shared export {paths[candidate['runtime']]}, converted in {meta['seconds']:.1f}s")


def quantize(job: Job) -> None:
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    converted = read_meta(job.path("convertPath"))
    # a convert step that fell back to another runtime hands the quantize step that runtime's quantizer
    quantizer_name = job.runtime_entry(converted["runtime"])["quantizer"]
    quantizer = load_quantizer(quantizer_name)
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]))
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


def calibrate(job: Job) -> None:
    """A model-level shared step: a quantizer's calibration that does not depend on the variant (its batch size), once
    for every variant that quantizes with it (the quantizer's calibrate_shared); each variant's quantize links it."""
    name = job.require("quantizer", str)
    quantizer = load_quantizer(name)
    if not hasattr(quantizer, "calibrate_shared"):
        raise ToolchainError(f"quantizer {name} has no shared calibration (calibrate_shared): the plugin's shared-exports.ts and the module disagree")
    model_dir = job.path("modelPath")
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]))
    watch = Stopwatch()
    meta = quantizer.calibrate_shared(job, convert_source(model_dir, read_model_meta(model_dir)), job.require("exports", list), samples, job.out_dir)
    write_json(
        job.out_dir / CALIBRATION_META,
        {**meta, "quantizer": name, "calibration": {"samples": samples.count, "origin": samples.origin}, "seconds": watch.seconds},
    )
    log(f"calibrated once in {watch.seconds:.1f}s")


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
    "export": export,
    "convert": convert,
    "reference": reference.run,
    "calibrate": calibrate,
    "quantize": quantize,
    "verify": verify.run,
    "compile": compile_artifact,
    "bench-inprocess": _bench_inprocess,
    "ceiling": _ceiling,
    "plan": _plan,
}
