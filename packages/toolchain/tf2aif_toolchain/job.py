"""The job a step runs: the executor's options as JSON, checked at this boundary."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ToolchainError

DTYPES = {"float32", "float16", "int8", "uint8", "int32", "int64", "bool"}


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int | None, ...]
    dtype: str
    range: tuple[float, float] | None = None  # tf2aif.json's valid [min, max] for data; None: from the model or by dtype

    @staticmethod
    def parse(raw: Any, where: str) -> "TensorSpec":
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ToolchainError(f"{where}: expected {{name, shape, dtype}}, got {raw!r}")
        shape = raw.get("shape")
        if not isinstance(shape, list) or not all(d is None or (isinstance(d, int) and d > 0) for d in shape):
            raise ToolchainError(f"{where}.shape: expected a list of positive ints or null, got {shape!r}")
        dtype = raw.get("dtype", "float32")
        if dtype not in DTYPES:
            raise ToolchainError(f"{where}.dtype: {dtype!r} is not one of {sorted(DTYPES)}")
        return TensorSpec(raw["name"], tuple(shape), dtype, _parse_range(raw.get("range"), f"{where}.range"))

    def to_json(self) -> dict:
        base = {"name": self.name, "shape": list(self.shape), "dtype": self.dtype}
        return base if self.range is None else {**base, "range": list(self.range)}


def _parse_range(raw: Any, where: str) -> tuple[float, float] | None:
    if raw is None:
        return None
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in raw)
        or raw[0] > raw[1]
    ):
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

    def get(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    @property
    def inputs(self) -> list[TensorSpec]:
        raw = self.require("inputs", list)
        return [TensorSpec.parse(r, f"inputs[{i}]") for i, r in enumerate(raw)]

    @property
    def batch_size(self) -> int:
        return int(self.get("batchSize", 1))

    @property
    def precision(self) -> str:
        return str(self.get("precision", "fp32"))


def load_job(step: str, job_file: Path, out_dir: Path) -> Job:
    try:
        options = json.loads(job_file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ToolchainError(f"cannot read job file {job_file}: {e}") from e
    if not isinstance(options, dict) or not isinstance(options.get("workspaceRoot"), str):
        raise ToolchainError(f"job file {job_file}: expected an object with workspaceRoot")
    return Job(step=step, workspace=Path(options["workspaceRoot"]), out_dir=out_dir, options=options)
