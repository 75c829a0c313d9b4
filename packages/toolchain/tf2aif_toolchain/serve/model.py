"""The runtime adapter behind the server: one call at a time, fixed-batch padding and slicing, timing."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from ..adapters import load_runtime
from ..artifact import read_meta
from ..errors import ToolchainError
from .config import VariantConfig
from .errors import InferenceFailed

Tensors = dict[str, np.ndarray]


def _load_runner(config: VariantConfig):
    meta = read_meta(config.artifact_dir)
    artifact = config.artifact_dir / str(meta.get("artifact", ""))
    if not meta.get("artifact") or not artifact.exists():
        raise ToolchainError(
            f"{artifact} is missing (named by {config.artifact_dir / 'artifact.json'}): build the variant again (nx run {config.name}:convert)"
        )
    adapter = load_runtime(config.executor)
    try:
        return adapter.load(config.artifact_dir, meta)
    except ToolchainError:
        raise
    except Exception as e:  # noqa: BLE001 (each runtime raises its own types for an artifact it cannot load)
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ToolchainError(f"runtime {config.executor!r} cannot load {artifact}: {type(e).__name__}: {first}") from e


def _pad(tensors: Tensors, start: int, stop: int, size: int) -> Tensors:
    """Rows start:stop, padded to `size` by repeating the last row (real data keeps quantized ranges sane)."""
    out = {}
    for name, value in tensors.items():
        chunk = value[start:stop]
        if len(chunk) < size:
            chunk = np.concatenate([chunk, np.repeat(chunk[-1:], size - len(chunk), axis=0)])
        out[name] = chunk
    return out


@dataclass
class RunResult:
    outputs: Tensors
    wait_ns: int = 0  # waiting for the runtime (another request held it)
    pad_ns: int = 0  # fixed-batch padding and re-joining
    infer_ns: int = 0  # inside the runtime


class ServedModel:
    def __init__(self, config: VariantConfig, runner=None) -> None:
        self.config = config
        self.runner = runner if runner is not None else _load_runner(config)
        self.description = str(getattr(self.runner, "description", config.executor))
        self._lock = threading.Lock()  # runtimes keep per-call state (TFLite tensors, OpenVINO request): one call at a time

    def run(self, inputs: Tensors, batch: int) -> RunResult:
        """One batch through the runtime. Fixed-batch artifacts run in chunks of their batch size, the last one
        padded, and the padding rows are dropped again."""
        size = self.config.batch_size
        if not self.config.fixed_batch or batch == size:
            return self._call(inputs, batch)
        parts: list[Tensors] = []
        total = RunResult({})
        for start in range(0, batch, size):
            stop = min(start + size, batch)
            t0 = time.perf_counter_ns()
            chunk = _pad(inputs, start, stop, size)
            total.pad_ns += time.perf_counter_ns() - t0
            result = self._call(chunk, size)
            total.wait_ns += result.wait_ns
            total.infer_ns += result.infer_ns
            parts.append({k: v[: stop - start] for k, v in result.outputs.items()})
        t0 = time.perf_counter_ns()
        total.outputs = parts[0] if len(parts) == 1 else {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        total.pad_ns += time.perf_counter_ns() - t0
        return total

    def _call(self, inputs: Tensors, batch: int) -> RunResult:
        t0 = time.perf_counter_ns()
        with self._lock:
            t1 = time.perf_counter_ns()
            try:
                raw = self.runner.run(inputs)
            except Exception as e:  # noqa: BLE001 (the request fails with 500; the server stays up)
                raise InferenceFailed(f"the {self.config.executor} runtime failed: {type(e).__name__}: {str(e).strip()[:500]}") from e
            t2 = time.perf_counter_ns()
        return RunResult(self._batched(raw, batch), wait_ns=t1 - t0, infer_ns=t2 - t1)

    def _batched(self, raw: Tensors, batch: int) -> Tensors:
        """Every output as an array with the batch first, so results can be split per request."""
        out = {}
        for name, value in raw.items():
            value = np.asarray(value)
            if value.ndim == 0 or value.shape[0] != batch:
                raise InferenceFailed(f"the runtime's output {name!r} has shape {list(value.shape)}; expected the batch ({batch}) first")
            out[name] = value
        return out
