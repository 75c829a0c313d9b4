"""The toolchain steps an executor can run: each reads a Job and writes into job.out_dir."""
from __future__ import annotations

from . import build_model, verify
from .artifact import read_meta, read_model_meta, write_meta
from .data import samples_for
from .job import Job
from .adapters import load_compiler, load_converter, load_quantizer
from .progress import Stopwatch, log

# calibration draws from a fixed seed (not a setting): the same model calibrates the same way on every machine
CALIBRATION_SEED = 0


def _common_meta(job: Job) -> dict:
    return {
        "variant": job.require("variant", str),
        "platform": job.require("platform", str),
        "runtime": job.require("runtime", str),
        "precision": job.precision,
        "batchSize": job.batch_size,
    }


def convert(job: Job) -> None:
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    converter = load_converter(job.require("converter", str))
    log(f"converting {job.require('variant', str)} with {job.require('converter', str)}")
    watch = Stopwatch()
    meta = converter.convert(job, model_dir / model["savedModel"], job.out_dir)
    meta = write_meta(job.out_dir, {**_common_meta(job), "precision": "fp32", **meta, "converter": job.require("converter", str), "seconds": watch.seconds})
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


def quantize(job: Job) -> None:
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    quantizer_name = job.require("quantizer", str)
    quantizer = load_quantizer(quantizer_name)
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]), seed=CALIBRATION_SEED)
    log(f"quantizing {job.require('variant', str)} to {job.precision} with {quantizer_name} on {samples.count} samples ({samples.origin})")
    watch = Stopwatch()
    meta = quantizer.quantize(job, model_dir / model["savedModel"], job.path("convertPath"), samples, job.out_dir)
    converted = read_meta(job.path("convertPath"))
    meta = write_meta(
        job.out_dir,
        {
            **_common_meta(job),
            **meta,
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
    meta = compiler.compile(job, artifact_dir, read_meta(artifact_dir), job.out_dir)
    # the compiled graph loses the signature's output names; the deployed runtime maps them back in order
    outputs = [o["name"] for o in read_model_meta(job.path("modelPath"))["outputs"]]
    meta = write_meta(job.out_dir, {**_common_meta(job), "outputs": outputs, **meta, "compiler": compiler_name, "seconds": watch.seconds})
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
