"""The job a step runs: the executor's resolved settings as JSON, checked at this boundary against job.schema.json.

The schema is generated from the plugin's zod schemas (plugins/nx/src/settings/job-schemas.ts, `npm run schema`), so
both sides of the seam check one contract. Every setting arrives resolved: the toolchain applies no defaults."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ToolchainError

DTYPES = {"float32", "float16", "int8", "uint8", "int32", "int64", "bool"}
SCHEMA_FILE = Path(__file__).with_name("job.schema.json")


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int | None, ...]
    dtype: str
    range: tuple[float, float] | None = None  # tf2aif.json's valid [min, max] for data; None: from the model or by dtype
    # tf2aif.json's shapeRange: "min", "opt", "max" -> the shape without the batch dimension (unknown dimensions)
    shape_range: dict[str, tuple[int, ...]] | None = None

    @property
    def dynamic(self) -> bool:
        """Unknown dimensions besides the batch."""
        return any(d is None for d in self.shape[1:])

    def sample_shape(self, which: str = "opt") -> tuple[int, ...]:
        """The shape of one sample (no batch dimension): the fixed one, or the shape range's min, opt or max."""
        if self.shape_range is not None:
            return self.shape_range[which]
        if self.dynamic:
            raise ToolchainError(
                f"input {self.name!r} has unknown dimensions {list(self.shape)} and no shapeRange: "
                "set inputs[].shapeRange {min, opt, max} in tf2aif.json"
            )
        return tuple(self.shape[1:])

    @staticmethod
    def parse(raw: Any, where: str) -> TensorSpec:
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ToolchainError(f"{where}: expected {{name, shape, dtype}}, got {raw!r}")
        shape = raw.get("shape")
        if not isinstance(shape, list) or not all(d is None or (isinstance(d, int) and d > 0) for d in shape):
            raise ToolchainError(f"{where}.shape: expected a list of positive ints or null, got {shape!r}")
        dtype = raw.get("dtype")
        if dtype not in DTYPES:
            raise ToolchainError(f"{where}.dtype: {dtype!r} is not one of {sorted(DTYPES)}")
        shape_range = _parse_shape_range(raw.get("shapeRange"), len(shape) - 1, f"{where}.shapeRange")
        return TensorSpec(raw["name"], tuple(shape), dtype, _parse_range(raw.get("range"), f"{where}.range"), shape_range)

    def to_json(self) -> dict:
        base = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}
        if self.range is not None:
            base["range"] = list(self.range)
        if self.shape_range is not None:
            base["shapeRange"] = {k: list(v) for k, v in self.shape_range.items()}
        return base


def _parse_shape_range(raw: Any, rank: int, where: str) -> dict[str, tuple[int, ...]] | None:
    """{min, opt, max}, each the shape without the batch dimension (the plugin's schema checked the rest)."""
    if raw is None:
        return None
    ok = isinstance(raw, dict) and all(
        isinstance(raw.get(k), list) and len(raw[k]) == rank and all(isinstance(d, int) and d > 0 for d in raw[k]) for k in ("min", "opt", "max")
    )
    if not ok:
        raise ToolchainError(f"{where}: expected {{min, opt, max}}, each {rank} positive int(s), got {raw!r}")
    return {k: tuple(raw[k]) for k in ("min", "opt", "max")}


def _parse_range(raw: Any, where: str) -> tuple[float, float] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw) or raw[0] > raw[1]:
        raise ToolchainError(f"{where}: expected [min, max] with min <= max, got {raw!r}")
    return raw[0], raw[1]


@dataclass(frozen=True)
class Job:
    step: str
    workspace: Path
    out_dir: Path
    options: dict[str, Any] = field(repr=False)

    def path(self, key: str) -> Path:
        """A workspace-relative path option, made absolute."""
        return self.workspace / self.require(key, str)

    def optional_path(self, value: str | None) -> Path | None:
        return None if value is None else self.workspace / value

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        value = self.options.get(key)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise ToolchainError(f"job option {key!r}: expected {getattr(kind, '__name__', kind)}, got {value!r}")
        return value

    def optional(self, key: str) -> Any:
        """A setting the job may leave out (the schema says which); None when it does."""
        return self.options.get(key)

    @property
    def inputs(self) -> list[TensorSpec]:
        raw = self.require("inputs", list)
        return [TensorSpec.parse(r, f"inputs[{i}]") for i, r in enumerate(raw)]

    @property
    def fallbacks(self) -> list[dict]:
        """The platform's fallback runtimes for this variant, in order: {runtime, converter, quantizer, executor}."""
        return list(self.require("fallbacks", list))

    def runtime_entry(self, runtime: str) -> dict:
        """The modules of the variant's runtime, or of the fallback runtime an artifact was made for."""
        if runtime == self.options.get("runtime"):
            return {k: self.options.get(k) for k in ("runtime", "converter", "quantizer", "executor", "floatLayers")}
        for entry in self.fallbacks:
            if entry["runtime"] == runtime:
                return entry
        raise ToolchainError(
            f"the artifact is for runtime {runtime!r}, which is neither the variant's ({self.options.get('runtime')!r}) "
            "nor one of its fallbacks; run the variant's convert step again"
        )

    @property
    def subject(self) -> str:
        """What a step works for, in messages: "platform cpu" for a variant's step, "model resnet50" for a model's
        shared step (an export serves every platform that starts from it)."""
        platform = self.options.get("platform")
        return f"platform {platform}" if isinstance(platform, str) else f"model {self.options.get('model')}"

    @property
    def batch_size(self) -> int:
        return self.require("batchSize", int)

    @property
    def precision(self) -> str:
        return self.require("precision", str)


def load_job(step: str, job_file: Path, out_dir: Path) -> Job:
    try:
        options = json.loads(job_file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ToolchainError(f"cannot read job file {job_file}: {e}") from e
    check_job(step, options, job_file)
    return Job(step=step, workspace=Path(options["workspaceRoot"]), out_dir=out_dir, options=options)


def check_job(step: str, options: Any, where: Path | str) -> None:
    """The job against its step's schema; the first problem, by field, in one line."""
    import jsonschema  # noqa: PLC0415 (only steps read jobs; the server images do not)

    schemas = json.loads(SCHEMA_FILE.read_text())["steps"]
    if step not in schemas:
        raise ToolchainError(f"{SCHEMA_FILE.name} has no job schema for step {step!r} (steps: {sorted(schemas)})")
    errors = sorted(jsonschema.Draft202012Validator(schemas[step]).iter_errors(options), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        field = ".".join(str(p) for p in first.absolute_path) or "(the job)"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ToolchainError(
            f"job file {where}: {field}: {first.message}{more}; the plugin and the toolchain disagree on the {step} job: "
            "run the step through nx (it writes the job), or regenerate job.schema.json with `npm run schema`"
        )
