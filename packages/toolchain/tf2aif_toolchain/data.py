"""Calibration and verification inputs: from the user's get_dataloader (TF2AIF's contract) or seeded random data."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .errors import ToolchainError
from .job import Job, TensorSpec
from .modules import load_user_module, user_function
from .progress import log

Batch = dict[str, np.ndarray]


@dataclass(frozen=True)
class Samples:
    """N samples of every input, stacked along the first axis."""

    arrays: Batch
    origin: str  # "loader:<path>" or "random"
    labels: np.ndarray | None = None  # when the loader yields (inputs, labels): accuracy can be measured

    @property
    def count(self) -> int:
        return len(next(iter(self.arrays.values())))

    def batches(self, size: int) -> Iterable[tuple[Batch, int]]:
        """Batches of exactly `size` (the last one padded by repeating samples), with the real count."""
        n = self.count
        for start in range(0, n, size):
            real = min(size, n - start)
            idx = np.arange(start, start + size) % n if real < size else np.arange(start, start + size)
            if real < size:
                idx[real:] = start  # pad with a real sample so fixed-batch runtimes get valid data
            yield {k: v[idx] for k, v in self.arrays.items()}, real


def _to_numpy(value: Any, where: str) -> np.ndarray:
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return np.asarray(value)
    except Exception as e:  # noqa: BLE001
        raise ToolchainError(f"{where}: cannot turn {type(value).__name__} into an array: {e}") from e


def _split_labels(batch: Any, specs: list[TensorSpec]) -> tuple[Any, Any]:
    """(inputs, labels) pairs are accepted; labels let verify measure accuracy."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2 and (len(specs) == 1 or isinstance(batch[0], (dict, tuple, list))):
        return batch[0], batch[1]
    return batch, None


def _normalize_batch(batch: Any, specs: list[TensorSpec], where: str) -> Batch:
    names = [s.name for s in specs]
    if isinstance(batch, dict):
        missing = [n for n in names if n not in batch]
        if missing:
            raise ToolchainError(f"{where}: batch dict lacks input(s) {missing} (keys: {list(batch)})")
        return {n: _to_numpy(batch[n], where) for n in names}
    if isinstance(batch, (tuple, list)):
        if len(batch) != len(specs):
            raise ToolchainError(f"{where}: a batch has {len(batch)} parts, the model has {len(specs)} input(s)")
        return {n: _to_numpy(b, where) for n, b in zip(names, batch)}
    if len(specs) != 1:
        raise ToolchainError(f"{where}: the model has {len(specs)} inputs; yield a dict keyed by input name")
    return {names[0]: _to_numpy(batch, where)}


def _check_and_cast(arrays: Batch, specs: list[TensorSpec], where: str) -> Batch:
    out: Batch = {}
    for spec in specs:
        a = arrays[spec.name]
        if a.ndim != len(spec.shape) or any(d is not None and d != s for d, s in zip(spec.shape[1:], a.shape[1:])):
            raise ToolchainError(
                f"{where}: input {spec.name!r} has shape {list(a.shape)}, the model takes {list(spec.shape)} "
                "(batch dimension first)"
            )
        if not (np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_):
            raise ToolchainError(f"{where}: input {spec.name!r} has dtype {a.dtype}, expected {spec.dtype}")
        out[spec.name] = a.astype(spec.dtype, copy=False)
    return out


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind == p.VAR_KEYWORD for p in params.values())


def from_loader(loader: Path, dataset: Path | None, specs: list[TensorSpec], samples: int, batch_size: int, split: str) -> Samples:
    where = f"get_dataloader in {loader}"
    fn = user_function(load_user_module(loader, "calibration loader"), "get_dataloader", loader, "calibration loader")
    kwargs = {"split": split} if _accepts(fn, "split") else {}
    log(f"reading {samples} {split} samples with {loader.name}:get_dataloader")
    collected: list[Batch] = []
    labels: list[np.ndarray] | None = []
    count = 0
    try:
        for batch in fn(str(dataset) if dataset else None, batch_size, samples, **kwargs):
            inputs, batch_labels = _split_labels(batch, specs)
            arrays = _check_and_cast(_normalize_batch(inputs, specs, where), specs, where)
            n = len(next(iter(arrays.values())))
            if labels is not None and batch_labels is not None and len(_to_numpy(batch_labels, where)) == n:
                labels.append(_to_numpy(batch_labels, where))
            else:
                labels = None
            collected.append(arrays)
            count += n
            if count >= samples:
                break
    except ToolchainError:
        raise
    except Exception as e:  # noqa: BLE001 (user code)
        raise ToolchainError(f"{where} raised {type(e).__name__}: {e}") from e
    if count < samples:
        raise ToolchainError(f"{where} returned {count} samples; {samples} are needed ({split}). Provide more data or lower the sample count")
    stacked = {s.name: np.concatenate([b[s.name] for b in collected])[:samples] for s in specs}
    stacked_labels = np.concatenate(labels)[:samples] if labels else None
    return Samples(stacked, f"loader:{loader.name}", stacked_labels)


def random_samples(specs: list[TensorSpec], samples: int, seed: int) -> Samples:
    rng = np.random.default_rng(seed)
    arrays: Batch = {}
    for spec in specs:
        if any(d is None for d in spec.shape[1:]):
            raise ToolchainError(f"random data for input {spec.name!r} needs a fixed shape, got {list(spec.shape)}")
        shape = (samples, *spec.shape[1:])
        if spec.dtype in ("float32", "float16"):
            arrays[spec.name] = rng.random(shape, dtype=np.float32).astype(spec.dtype)
        elif spec.dtype == "bool":
            arrays[spec.name] = rng.random(shape) < 0.5
        else:
            info = np.iinfo(spec.dtype)
            arrays[spec.name] = rng.integers(max(info.min, -128), min(info.max, 255) + 1, shape).astype(spec.dtype)
    return Samples(arrays, "random")


def samples_for(job: Job, split: str, samples: int, seed: int) -> Samples:
    """The inputs a step works on: calibration data or verification data, as the model config says."""
    calibration = job.require("calibration", dict)
    if calibration.get("random"):
        return random_samples(job.inputs, samples, seed)
    return from_loader(
        job.workspace / calibration["loader"],
        job.optional_path(calibration.get("dataset")),
        job.inputs,
        samples,
        int(calibration.get("batchSize", 10)),
        split,
    )
