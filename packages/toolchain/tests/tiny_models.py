"""A tiny Keras classifier built through the toolchain's own steps (tf2aif_toolchain.testing): the fixture adapter tests share."""

from __future__ import annotations

from pathlib import Path

from job_support import make_job
from tf2aif_toolchain.steps import STEPS
from tf2aif_toolchain.testing import build_source, build_tiny_model, input_specs, run_exports  # noqa: F401 (the tests' fixtures)


def run_step(step: str, ws: Path, out: Path, inputs: list[dict], **options) -> Path:
    """One toolchain step as an executor runs it: a Job with the workspace and the model's inputs (a convert
    without `exports` runs the model's exports it starts from first, as the plugin's graph does)."""
    if step == "convert" and "exports" not in options:
        options = {**options, "exports": run_exports(ws, out, inputs, options)}
    out.mkdir(parents=True, exist_ok=True)
    STEPS[step](make_job(step, ws, out, {"inputs": inputs, **options}))
    return out


def tiny_arm_variant(ws: Path, filters: int = 4) -> dict:
    """The tiny classifier through the arm variant's steps: convert (TFLite FP32) into ws/c, quantize (full
    INT8, uint8 I/O) into ws/q. Returns the variant's step options (verify's, minus precision and paths)."""
    build_tiny_model(ws, filters=filters)
    options = dict(
        model="tiny",
        variant="tiny-arm",
        platform="arm",
        runtime="tflite",
        batchSize=1,
        task="classification",
        trained=False,
        modelPath="dist/models/tiny",
        calibration={"random": True, "samples": 16, "batchSize": 8},
        verify={"samples": 16, "seed": 0, "tolerances": {}},
    )
    run_step("convert", ws, ws / "c", input_specs((8, 8, 1)), precision="fp32", converter="tflite", **options)
    run_step("quantize", ws, ws / "q", input_specs((8, 8, 1)), precision="int8", quantizer="tflite_int8", convertPath="c", **options)
    return options
