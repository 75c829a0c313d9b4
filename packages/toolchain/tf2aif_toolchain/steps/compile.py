"""The compile step: a hardware-specific compile of the verified artifact (e.g. a Vitis AI .xmodel for a DPU)."""

from __future__ import annotations

from ..adapters import load_compiler
from ..artifact import read_meta, read_model_meta, write_meta
from ..job import Job
from ..progress import Stopwatch, log
from .convert import SHAPE_FIELDS, common_meta


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
    meta = write_meta(job.out_dir, {**common_meta(job), **shapes, "outputs": outputs, **meta, "compiler": compiler_name, "seconds": watch.seconds})
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")
