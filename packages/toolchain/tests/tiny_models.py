"""A tiny Keras classifier built through the toolchain's own steps (tf2aif_toolchain.testing): the fixture adapter
tests share; the steps as an executor runs them, and a variant's convert and quantize or verify through them."""

from __future__ import annotations

import json
from pathlib import Path

from job_support import make_job, variant_options
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


def arm_variant(ws: Path, model_path: str, inputs: list[dict], **settings) -> dict:
    """The model at `model_path` through the arm variant's steps: convert (TFLite FP32) into ws/c, quantize (full
    INT8, uint8 I/O) into ws/q. Returns the variant's step options (verify's, minus precision and paths)."""
    options = variant_options(
        model_path,
        "arm",
        calibration={"random": True, "samples": 16, "batchSize": 8},
        verify={"samples": 16, "seed": 0, "tolerances": {}},
        **settings,
    )
    run_step("convert", ws, ws / "c", inputs, precision="fp32", converter="tflite", **options)
    run_step("quantize", ws, ws / "q", inputs, precision="int8", quantizer="tflite_int8", convertPath="c", **options)
    return options


def tiny_arm_variant(ws: Path, filters: int = 4) -> dict:
    """The tiny classifier through the arm variant's steps (arm_variant)."""
    build_tiny_model(ws, filters=filters)
    return arm_variant(ws, "dist/models/tiny", input_specs((8, 8, 1)))


def convert_and_verify(ws: Path, model_path: str, inputs: list[dict], platform: str, converter: str, runtime: str, **settings) -> dict:
    """The model at `model_path` converted for a FP32 variant on `platform` (into ws/c-<platform>) and verified
    against the original (into ws/v-<platform>); returns verify.json."""
    options = variant_options(model_path, platform, runtime=runtime, **settings)
    run_step("convert", ws, ws / f"c-{platform}", inputs, precision="fp32", converter=converter, **options)
    run_step("verify", ws, ws / f"v-{platform}", inputs, precision="fp32", executor=runtime, artifactPath=f"c-{platform}", **options)
    return json.loads((ws / f"v-{platform}" / "verify.json").read_text())
