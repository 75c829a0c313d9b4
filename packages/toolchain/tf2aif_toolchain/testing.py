"""Test support that ships with the toolchain: a tiny Keras classifier run through the toolchain's own steps, with
jobs completed from the job contract's defaults as an executor resolves them. The tests that `nx g @tf2aif/nx:platform`
scaffolds for a workspace's own platform use it, and so do the toolchain's own tests."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from .job import SCHEMA_FILE, Job


def build_source(shape: tuple[int, ...] = (8, 8, 1), classes: int = 10, filters: int = 8) -> str:
    """A build.py whose build() returns Conv2D -> Flatten -> Dense(softmax), input named "image"."""
    return f"""
import tensorflow as tf

def build():
    x = tf.keras.Input({shape!r}, name="image")
    y = tf.keras.layers.Conv2D({filters}, 3, activation="relu")(x)
    y = tf.keras.layers.Flatten()(y)
    y = tf.keras.layers.Dense({classes}, activation="softmax")(y)
    return tf.keras.Model(x, y)
"""


def input_specs(shape: tuple[int, ...]) -> list[dict]:
    return [{"name": "image", "shape": [None, *shape], "dtype": "float32"}]


@lru_cache(maxsize=1)
def _steps() -> dict:
    return json.loads(SCHEMA_FILE.read_text())["steps"]


def _default(schema: dict) -> tuple[bool, Any]:
    """What a missing field becomes: its default, or an object of its fields' defaults (a zod prefault: in the
    schema as the fields' defaults) where those cover every field the object requires."""
    if "default" in schema:
        return True, _complete(schema["default"], schema)
    if "properties" in schema:
        filled = _complete({}, schema)
        return bool(filled) and all(k in filled for k in schema.get("required", [])), filled
    return False, None


def _complete(value: Any, schema: dict) -> Any:
    """`value` with the defaults its JSON Schema gives filled in, in nested objects and list items too."""
    if isinstance(value, dict) and "properties" in schema:
        props = schema["properties"]
        out = {k: d for k, v in props.items() if k not in value for ok, d in [_default(v)] if ok}
        return {**out, **{k: _complete(v, props.get(k, {})) for k, v in value.items()}}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [_complete(v, schema["items"]) for v in value]
    return value


# any three distinct seeds: which ones the plugin picks is its own business (settings/draw-settings.ts)
TEST_SEEDS = {"calibration": 0, "verification": 1000, "check": 2000}


def tolerance(verify: dict, precision: str, trained: bool) -> dict:
    """The precision's default tolerance as the plugin's schema publishes it (x-tf2aif-defaults), under verify's
    tolerances key by key: what the plugin resolves (settings/draw-settings.ts toleranceFor)."""
    published = _steps()["verify"]["properties"]["verify"]["properties"]["tolerances"]["x-tf2aif-defaults"]
    return {**published["trained" if trained else "untrained"][precision], **verify.get("tolerances", {}).get(precision, {})}


def resolved(step: str, options: dict[str, Any]) -> dict[str, Any]:
    """A step's job options completed as the plugin resolves them: the defaults of its job schema (which are
    tf2aif.json's), the draws' seeds and value ranges, and the variant's tolerance."""
    schema = _steps().get(step)
    if not schema:
        return options
    job = _complete(options, schema)
    props = schema["properties"]
    if "seeds" in props:
        job.setdefault("seeds", TEST_SEEDS)
    if "tolerance" in props and isinstance(job.get("verify"), dict) and "tolerance" not in job:
        job["tolerance"] = tolerance(job["verify"], job["precision"], job["trained"])
    return job


def run_step(step: str, ws: Path, out: Path, inputs: list[dict], **options) -> Path:
    """One toolchain step as an executor runs it: a Job with the workspace and the model's inputs. A variant's
    convert without `exports` first runs the model-level exports it starts from, as the plugin's graph does
    (beside `out`: <out>.export-<runtime>)."""
    from .steps import STEPS  # noqa: PLC0415 (TensorFlow loads with the steps, not with this module)

    if step == "convert" and "exports" not in options:
        options = {**options, "exports": run_exports(ws, out, inputs, options)}
    out.mkdir(parents=True, exist_ok=True)
    STEPS[step](Job(step, ws, out, resolved(step, {"workspaceRoot": str(ws), "inputs": inputs, **options})))
    return out


def run_exports(ws: Path, out: Path, inputs: list[dict], variant: dict[str, Any]) -> list[dict]:
    """The export step for the variant's runtime and each fallback runtime, in order; their `exports` entries."""
    candidates = [{"runtime": variant.get("runtime"), "converter": variant.get("converter")}, *variant.get("fallbacks", [])]
    exports = []
    for c in candidates:
        folder = out.parent / f"{out.name}.export-{c['runtime']}"
        run_step(
            "export",
            ws,
            folder,
            inputs,
            model=variant.get("model") or Path(str(variant.get("modelPath"))).name,
            converter=c["converter"],
            batchSize=variant.get("batchSize"),
            modelPath=variant.get("modelPath"),
        )
        exports.append({"runtime": c["runtime"], "converter": c["converter"], "path": str(folder.relative_to(ws))})
    return exports


def build_tiny_model(ws: Path, shape: tuple[int, ...] = (8, 8, 1), classes: int = 10, filters: int = 8, seed: int = 1) -> Path:
    """models/tiny/build.py -> dist/models/tiny (SavedModel + model.json) in workspace `ws`."""
    (ws / "models/tiny").mkdir(parents=True, exist_ok=True)
    (ws / "models/tiny/build.py").write_text(build_source(shape, classes, filters))
    return run_step(
        "build-model",
        ws,
        ws / "dist/models/tiny",
        input_specs(shape),
        model="tiny",
        modelDir="models/tiny",
        source={"format": "script", "path": "build.py", "seed": seed},
    )
