"""Jobs for tests, completed as the plugin resolves them: with tf2aif.json's defaults, read from the JSON Schema
that the plugin generates from its zod schema (plugins/nx/tf2aif.schema.json), so tests hold no defaults of
their own and the toolchain (which applies none) gets what it would get from an executor."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from tf2aif_toolchain.job import Job

CONFIG_SCHEMA = Path(__file__).resolve().parents[3] / "plugins" / "nx" / "tf2aif.schema.json"


@lru_cache(maxsize=1)
def _config() -> dict:
    return json.loads(CONFIG_SCHEMA.read_text())["properties"]


def _defaults(schema: dict) -> dict:
    return {k: v["default"] for k, v in schema.get("properties", {}).items() if "default" in v}


def resolved(options: dict[str, Any]) -> dict[str, Any]:
    """`options` with every tf2aif.json setting it touches completed by the config schema's defaults."""
    props = _config()
    o = dict(options)
    for key in ("calibration", "verify", "source"):
        if isinstance(o.get(key), dict):
            o[key] = {**_defaults(props[key]), **o[key]}
    if isinstance(o.get("inputs"), list):
        o["inputs"] = [{**_defaults(props["inputs"]["items"]), **spec} for spec in o["inputs"]]
    if "variant" in o:  # a variant's step: the model-level and platform-level settings it carries
        o.setdefault("trained", props["trained"]["default"])
        o.setdefault("ioType", props["platforms"]["additionalProperties"]["properties"]["ioType"]["default"])
        o.setdefault("fallbacks", [])  # what the plugin resolves for a variant whose platform has no fallback
    return o


def make_job(step: str, workspace: Path, out: Path, options: dict[str, Any]) -> Job:
    return Job(step, workspace, out, resolved({"workspaceRoot": str(workspace), **options}))
