"""variant.json: what one server serves, checked once at start-up so a bad file fails with the field's name."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ToolchainError
from .datatypes import V2_BY_DTYPE

MODES = ("LAT", "THR")
# tf2aif.json's `serving` settings, as variant.json carries them (variant_config.py copies them in)
SERVING_FIELDS = ("mode", "port", "maxQueueDelayMs", "maxQueueSize", "maxBodyBytes")
# Every field is required: make-config writes them all, from the plugin's settings (tf2aif.json's `serving`, whose
# zod schema holds their defaults); the server decides none. `processing` may be null (no hooks).
REQUIRED = (
    "name",
    "model",
    "version",
    "platform",
    "runtime",
    "executor",
    "precision",
    "batchSize",
    "fixedBatch",
    *SERVING_FIELDS,
    "inputs",
    "outputs",
    "artifactDir",
    "processing",
)
IGNORED = ("$schema", "description")  # allowed, carry no meaning for the server
URL_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # model names and versions appear in URL paths
URL_RULE = "URL-safe: letters, digits, '_', '.', '-'"
MODULE_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class ConfigError(ToolchainError):
    """variant.json is wrong: the message names the file and the field."""


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int, ...]  # -1 where dynamic; shape[0] is the batch dimension
    dtype: str  # numpy name: float32, uint8, ...
    # tf2aif.json's shapeRange of an input with unknown dimensions: "min", "opt", "max" -> shape without the batch
    shape_range: dict[str, tuple[int, ...]] | None = None
    # an input's valid [min, max] for random request data (make-config resolved it); None for outputs
    value_range: tuple[float, float] | None = None

    @property
    def datatype(self) -> str:
        return V2_BY_DTYPE[self.dtype]

    def metadata(self) -> dict:
        """The v2 tensor metadata; an input with a shape range also says it (clients send its opt shape)."""
        base = {"name": self.name, "datatype": self.datatype, "shape": list(self.shape)}
        if self.shape_range is not None:
            base["shapeRange"] = {k: list(v) for k, v in self.shape_range.items()}
        if self.value_range is not None:
            base["range"] = list(self.value_range)
        return base


@dataclass(frozen=True)
class VariantConfig:
    name: str
    model: str
    version: str
    platform: str
    runtime: str
    executor: str
    precision: str
    batch_size: int
    fixed_batch: bool
    mode: str
    port: int
    max_queue_delay_ms: float
    max_queue_size: int
    max_body_bytes: int
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    artifact_dir: Path
    processing: Path | None
    source: str  # where the config came from, for messages

    def input(self, name: str) -> TensorSpec | None:
        return next((t for t in self.inputs if t.name == name), None)

    def output(self, name: str) -> TensorSpec | None:
        return next((t for t in self.outputs if t.name == name), None)


class _Fields:
    """Reads typed fields from the raw dict; every error names the file and the field."""

    def __init__(self, raw: dict, source: str) -> None:
        self.raw = raw
        self.source = source

    def fail(self, field: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: field '{field}': {message}")

    def text(self, field: str, pattern: re.Pattern | None = None, rule: str = "") -> str:
        value = self.raw.get(field)
        if isinstance(value, int) and not isinstance(value, bool) and field == "version":
            value = str(value)  # "version": 1 is a common, harmless spelling
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, f"expected a non-empty string, got {value!r}")
        if pattern and not pattern.match(value):
            raise self.fail(field, f"{value!r} must be {rule}")
        return value

    def integer(self, field: str, minimum: int) -> int:
        value = self.raw.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(field, f"expected an integer >= {minimum}, got {value!r}")
        return value

    def number(self, field: str, minimum: float) -> float:
        value = self.raw.get(field)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < minimum:
            raise self.fail(field, f"expected a number >= {minimum}, got {value!r}")
        return float(value)

    def boolean(self, field: str) -> bool:
        value = self.raw.get(field)
        if not isinstance(value, bool):
            raise self.fail(field, f"expected true or false, got {value!r}")
        return value

    def choice(self, field: str, options: tuple[str, ...]) -> str:
        value = self.raw.get(field)
        if value not in options:
            raise self.fail(field, f"expected one of {list(options)}, got {value!r}")
        return value

    def tensors(self, field: str) -> tuple[TensorSpec, ...]:
        value = self.raw.get(field)
        if not isinstance(value, list) or not value:
            raise self.fail(field, f"expected a non-empty list of {{name, shape, dtype}}, got {value!r}")
        specs = tuple(self._tensor(f"{field}[{i}]", item) for i, item in enumerate(value))
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise self.fail(field, f"tensor names must be unique, got {names}")
        return specs

    def _tensor(self, where: str, item: Any) -> TensorSpec:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise self.fail(where, f"expected {{name, shape, dtype}}, got {item!r}")
        shape = item.get("shape")
        if not isinstance(shape, list) or not shape or not all(_is_dim(d) for d in shape):
            raise self.fail(f"{where}.shape", f"expected a list of positive integers, with null or -1 where dynamic, got {shape!r}")
        if shape[0] not in (None, -1):
            # the server batches along the first dimension, as the toolchain's signatures do ([null, ...])
            raise self.fail(f"{where}.shape", f"the first dimension is the batch and must be null or -1, got {shape[0]!r}")
        dtype = item.get("dtype")
        if dtype not in V2_BY_DTYPE:
            raise self.fail(f"{where}.dtype", f"{dtype!r} is not one of {sorted(V2_BY_DTYPE)}")
        dims = tuple(-1 if d is None else d for d in shape)
        return TensorSpec(
            item["name"],
            dims,
            dtype,
            self._shape_range(f"{where}.shapeRange", item.get("shapeRange"), dims),
            self._value_range(f"{where}.range", item.get("range")),
        )

    def _value_range(self, where: str, value: Any) -> tuple[float, float] | None:
        if value is None:
            return None
        if not (
            isinstance(value, list)
            and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            and value[0] <= value[1]
        ):
            raise self.fail(where, f"expected [min, max] with min <= max, got {value!r}")
        return float(value[0]), float(value[1])

    def _shape_range(self, where: str, value: Any, dims: tuple[int, ...]) -> dict[str, tuple[int, ...]] | None:
        if value is None:
            return None
        inner = dims[1:]
        ok = isinstance(value, dict) and all(
            isinstance(value.get(k), list)
            and len(value[k]) == len(inner)
            and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 and w in (-1, d) for d, w in zip(value[k], inner))
            for k in ("min", "opt", "max")
        )
        if not ok or not all(lo <= o <= hi for lo, o, hi in zip(value["min"], value["opt"], value["max"])):
            raise self.fail(
                where, f"expected {{min, opt, max}}: shapes of {len(inner)} dimension(s) matching {list(inner)}, min <= opt <= max; got {value!r}"
            )
        return {k: tuple(value[k]) for k in ("min", "opt", "max")}

    def path(self, field: str, base: Path, optional: bool = False) -> Path | None:
        value = self.raw.get(field)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(field, f"expected a path (relative to the config's folder, or absolute), got {value!r}")
        path = Path(value)
        return path if path.is_absolute() else (base / path).resolve()


def _is_dim(d: Any) -> bool:
    return d is None or d == -1 or (isinstance(d, int) and not isinstance(d, bool) and d > 0)


def parse_config(raw: Any, base_dir: Path, source: str = "variant.json") -> VariantConfig:
    """Checks a variant.json dict; relative paths resolve against base_dir (the file's folder)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a JSON object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(REQUIRED) - set(IGNORED))
    if unknown:
        raise ConfigError(f"{source}: unknown field(s) {unknown}; known fields: {sorted(REQUIRED)}")
    missing = [f for f in REQUIRED if f not in raw]
    if missing:
        raise ConfigError(f"{source}: missing required field(s) {missing}")
    f = _Fields(raw, source)
    return VariantConfig(
        name=f.text("name"),
        model=f.text("model", URL_SAFE, URL_RULE),
        version=f.text("version", URL_SAFE, URL_RULE),
        platform=f.text("platform"),
        runtime=f.text("runtime"),
        executor=f.text("executor", MODULE_NAME, "a runtime adapter module name, as in tf2aif_toolchain/runtimes/<name>.py"),
        precision=f.text("precision"),
        batch_size=f.integer("batchSize", 1),
        fixed_batch=f.boolean("fixedBatch"),
        mode=f.choice("mode", MODES),
        port=f.integer("port", 1),
        max_queue_delay_ms=f.number("maxQueueDelayMs", 0),
        max_queue_size=f.integer("maxQueueSize", 1),
        max_body_bytes=f.integer("maxBodyBytes", 1),
        inputs=f.tensors("inputs"),
        outputs=f.tensors("outputs"),
        artifact_dir=f.path("artifactDir", base_dir),
        processing=f.path("processing", base_dir, optional=True),
        source=source,
    )


def load_config(path: Path) -> VariantConfig:
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read the variant config {path}: {e.strerror or e}") from e
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise ConfigError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from e
    return parse_config(raw, path.resolve().parent, str(path))
