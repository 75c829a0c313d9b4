"""Jobs for tests, completed as the plugin resolves them: with tf2aif.json's defaults, read from the JSON Schema
that the plugin generates from its zod schema (plugins/nx/tf2aif.schema.json), so tests hold no defaults of
their own and the toolchain (which applies none) gets what it would get from an executor."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tf2aif_toolchain.job import Job
from tf2aif_toolchain.testing import TEST_SEEDS, tolerance

CONFIG_SCHEMA = Path(__file__).resolve().parents[3] / "plugins" / "nx" / "tf2aif.schema.json"


@lru_cache(maxsize=1)
def _config() -> dict:
    return json.loads(CONFIG_SCHEMA.read_text())["properties"]


def _defaults(schema: dict) -> dict:
    return {k: v["default"] for k, v in schema.get("properties", {}).items() if "default" in v}


PLATFORMS = CONFIG_SCHEMA.parent / "platforms"


def _runtime_descriptor(platform: Any, runtime: Any) -> dict | None:
    """The platform descriptor's entry for the runtime, where the job names a shipped platform."""
    file = PLATFORMS / str(platform) / "platform.json"
    return json.loads(file.read_text())["runtimes"].get(runtime) if file.is_file() else None


def resolved(options: dict[str, Any], step: str | None = None) -> dict[str, Any]:
    """`options` with every tf2aif.json setting it touches completed by the config schema's defaults (and, for a
    quantize job, its accuracy check's settings)."""
    props = _config()
    o = dict(options)
    # job key -> its tf2aif.json section
    for key, section in (("calibration", "calibration"), ("verify", "verify"), ("source", "source"), ("mixedPrecision", "quantize")):
        if isinstance(o.get(key), dict):
            o[key] = {**_defaults(props[section]), **o[key]}
    if isinstance(o.get("inputs"), list):
        o["inputs"] = [{**_defaults(props["inputs"]["items"]), **spec} for spec in o["inputs"]]
    if "variant" in o:  # a variant's step: the model-level and platform-level settings it carries
        o.setdefault("trained", props["trained"]["default"])
        o.setdefault("ioType", props["platforms"]["additionalProperties"]["properties"]["ioType"]["default"])
        o.setdefault("fallbacks", [])  # what the plugin resolves for a variant whose platform has no fallback
    if isinstance(o.get("calibration"), dict):  # a step that draws samples (reference, calibrate, quantize, verify)
        o.setdefault("valueRanges", _defaults(props["valueRanges"]))
        o.setdefault("seeds", TEST_SEEDS)
    if step == "quantize":  # the accuracy check's settings (mixed_precision.py)
        o.setdefault("verify", _defaults(props["verify"]))
        o.setdefault("mixedPrecision", _defaults(props["quantize"]))
        o.setdefault("floatLayers", None)  # a runtime that cannot run float layers in an INT8 model: no mixed precision
        if "executor" not in o:  # as the plugin gives it, from the platform descriptor (a test's own platform: the runtime's module)
            descriptor = _runtime_descriptor(o.get("platform"), o.get("runtime"))
            o["executor"] = descriptor["executor"] if descriptor else o.get("runtime")
    if "precision" in o and isinstance(o.get("verify"), dict):  # verify and quantize: the precision's tolerance, resolved
        o.setdefault("tolerance", tolerance(o["verify"], str(o["precision"]), bool(o["trained"])))
    return o


def serving() -> dict:
    """tf2aif.json's serving settings with their defaults: what make-config writes into variant.json."""
    return _defaults(_config()["serving"])


def value_ranges() -> dict:
    """tf2aif.json's valueRanges with their defaults."""
    return _defaults(_config()["valueRanges"])


def random_draw(specs: list, samples: int, seed: int, which: str = "opt"):
    """data.random_samples with every input in the range a step would give it (valueRanges' defaults by dtype)."""
    from tf2aif_toolchain.data import random_samples, valid_ranges

    return random_samples(specs, samples, seed, valid_ranges(specs, None, value_ranges()), which)


def make_job(step: str, workspace: Path, out: Path, options: dict[str, Any]) -> Job:
    return Job(step, workspace, out, resolved({"workspaceRoot": str(workspace), **options}, step))


def variant_options(model_path: str, platform: str, **extra) -> dict:
    """The settings every step of a variant of the model at `model_path` carries (the model named by its folder,
    variant <model>-<platform>, a TFLite classifier, untrained, few samples), `extra` over them."""
    return {
        "model": Path(model_path).name,
        "variant": f"{Path(model_path).name}-{platform}",
        "platform": platform,
        "runtime": "tflite",
        "batchSize": 1,
        "task": "classification",
        "trained": False,
        "modelPath": model_path,
        "calibration": {"random": True, "samples": 8, "batchSize": 4},
        "verify": {"samples": 8, "seed": 0, "tolerances": {}},
        **extra,
    }
