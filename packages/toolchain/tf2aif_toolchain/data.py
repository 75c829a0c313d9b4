"""Calibration and verification inputs: from the user's get_dataloader (TF2AIF's contract) or seeded random data."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .artifact import read_model_meta
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


def _outside_shape_range(spec: TensorSpec, shape: tuple[int, ...]) -> bool:
    if spec.shape_range is None:
        return False
    low, high = spec.shape_range["min"], spec.shape_range["max"]
    return any(not lo <= d <= hi for d, lo, hi in zip(shape, low, high))


def _check_and_cast(arrays: Batch, specs: list[TensorSpec], where: str) -> Batch:
    out: Batch = {}
    for spec in specs:
        a = arrays[spec.name]
        if a.ndim != len(spec.shape) or any(d is not None and d != s for d, s in zip(spec.shape[1:], a.shape[1:])):
            raise ToolchainError(
                f"{where}: input {spec.name!r} has shape {list(a.shape)}, the model takes {list(spec.shape)} (batch dimension first)"
            )
        if _outside_shape_range(spec, a.shape[1:]):
            r = spec.shape_range
            raise ToolchainError(
                f"{where}: input {spec.name!r} has shape {list(a.shape)}, outside its shapeRange "
                f"(min {list(r['min'])}, max {list(r['max'])}, without the batch); fix the data or widen the range in tf2aif.json"
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


def from_loader(
    loader: Path,
    dataset: Path | None,
    specs: list[TensorSpec],
    samples: int,
    batch_size: int,
    split: str,
    ranges: dict[str, ValidRange] | None = None,
) -> list[Samples]:
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
            given = _normalize_batch(inputs, specs, where)
            arrays = _check_and_cast(given, specs, where)
            check_ranges(given, specs, ranges or {}, where)  # before the cast, which could wrap a large id
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
    return _by_shape(collected, labels, specs, samples, f"loader:{loader.name}")


def _by_shape(collected: list[Batch], labels: list[np.ndarray] | None, specs: list[TensorSpec], samples: int, origin: str) -> list[Samples]:
    """The loader's first `samples` samples, one Samples per distinct input shape (inputs with unknown dimensions
    may come in several sizes; a batch only stacks samples of one size), largest group first."""
    groups: dict[tuple, list[int]] = {}
    for i, batch in enumerate(collected):
        groups.setdefault(tuple(batch[s.name].shape[1:] for s in specs), []).append(i)
    result: list[Samples] = []
    taken = 0
    for members in sorted(groups.values(), key=lambda m: -sum(len(next(iter(collected[i].values()))) for i in m)):
        if taken >= samples:
            break
        arrays = {s.name: np.concatenate([collected[i][s.name] for i in members])[: samples - taken] for s in specs}
        n = len(next(iter(arrays.values())))
        group_labels = np.concatenate([labels[i] for i in members])[:n] if labels else None
        result.append(Samples(arrays, origin, group_labels))
        taken += n
    return result


@dataclass(frozen=True)
class ValidRange:
    """The values an input takes: integers in [low, high], floats in [low, high); `source` says who said so."""

    low: float
    high: float
    source: str
    known: bool = True  # False for a dtype default: loader data is not held to it

    def shown(self) -> str:
        return f"[{self.low:g}, {self.high:g}] ({self.source})"


def kind_range(dtype: str, value_ranges: dict[str, list]) -> tuple[float, float]:
    """tf2aif.json's valueRanges for the dtype's kind (float or integer), within what an integer dtype holds."""
    if np.issubdtype(np.dtype(dtype), np.integer):
        low, high = value_ranges["integer"]
        info = np.iinfo(dtype)
        return max(int(low), int(info.min)), min(int(high), int(info.max))
    low, high = value_ranges["float"]
    return float(low), float(high)


def default_range(dtype: str, value_ranges: dict[str, list]) -> ValidRange:
    """Without a range from tf2aif.json's input or the model: tf2aif.json's valueRanges by the dtype's kind."""
    return ValidRange(*kind_range(dtype, value_ranges), f"{dtype}: valueRanges", known=False)


def valid_ranges(specs: list[TensorSpec], model_inputs: list[dict] | None, value_ranges: dict[str, list]) -> dict[str, ValidRange]:
    """Per input: tf2aif.json's range, else the one build-model read from the graph (model.json), else valueRanges."""
    from_model = {i["name"]: i for i in model_inputs or [] if isinstance(i, dict) and i.get("range")}
    ranges: dict[str, ValidRange] = {}
    for i, spec in enumerate(specs):
        if spec.range is not None:
            ranges[spec.name] = ValidRange(*spec.range, f"tf2aif.json inputs[{i}].range")
        elif spec.name in from_model:
            found = from_model[spec.name]
            ranges[spec.name] = ValidRange(*found["range"], f"{found.get('rangeSource', 'read from the graph')}, from model.json")
        else:
            ranges[spec.name] = default_range(spec.dtype, value_ranges)
    return ranges


def check_ranges(arrays: Batch, specs: list[TensorSpec], ranges: dict[str, ValidRange], where: str) -> None:
    """Integer ids outside a known range would fail inside TensorFlow or a runtime with a cryptic message."""
    for i, spec in enumerate(specs):
        r = ranges.get(spec.name)
        a = arrays[spec.name]
        if r is None or not r.known or not np.issubdtype(np.dtype(spec.dtype), np.integer) or a.size == 0:
            continue
        bad = a[(a < r.low) | (a > r.high)]
        if bad.size:
            fix = "widen that range" if spec.range is not None else f"set inputs[{i}].range in tf2aif.json if the model takes more"
            raise ToolchainError(
                f"{where}: input {spec.name!r} has value {bad.flat[0]:g} outside its valid range {r.shown()}; fix the data, or {fix}"
            )


def random_samples(specs: list[TensorSpec], samples: int, seed: int, ranges: dict[str, ValidRange], which: str = "opt") -> Samples:
    """`which`: for inputs with unknown dimensions, the shape range's "min", "opt" or "max" shape; `ranges`: every
    input's (valid_ranges)."""
    rng = np.random.default_rng(seed)
    arrays: Batch = {}
    for spec in specs:
        shape = (samples, *spec.sample_shape(which))
        r = ranges[spec.name]
        if spec.dtype == "bool":
            arrays[spec.name] = rng.random(shape) < 0.5
        elif np.issubdtype(np.dtype(spec.dtype), np.integer):
            arrays[spec.name] = rng.integers(int(r.low), int(r.high) + 1, shape).astype(spec.dtype)
        else:
            unit = rng.random(shape, dtype=np.float32)  # [0, 1) as before a range existed: same draws by default
            arrays[spec.name] = (unit if (r.low, r.high) == (0, 1) else r.low + unit * (r.high - r.low)).astype(spec.dtype)
    return Samples(arrays, "random")


def _model_inputs(job: Job) -> list[dict] | None:
    """model.json's inputs (with the ranges build-model read from the graph), when the step knows the model."""
    if not isinstance(job.optional("modelPath"), str):
        return None
    return read_model_meta(job.path("modelPath")).get("inputs")


SHAPE_POINTS = ("opt", "min", "max")  # the shapes verify runs an input with a shape range at, opt first


def shape_points(specs: list[TensorSpec], fixed: dict[str, list] | None = None) -> list[str]:
    """The shape range points that give distinct shapes ("opt" alone without a range, or where the artifact
    fixed every dynamic dimension: `fixed`, from artifact.json)."""
    ranged = [s for s in specs if s.shape_range is not None and s.name not in (fixed or {})]
    seen, points = set(), []
    for which in SHAPE_POINTS:
        key = tuple(s.sample_shape(which) for s in ranged)
        if key not in seen:
            seen.add(key)
            points.append(which)
    return points


# the job's draws (its `seeds`) and the loader split each takes its data from
DRAW_SPLITS = {"calibration": "calibration", "verification": "verification", "check": "verification"}


def sample_groups_for(job: Job, draw: str, samples: int, points: list[str] | None = None) -> list[Samples]:
    """The inputs a step works on, one group per input shape: calibration data or verification data, as the model
    config says. Random data comes at each shape range point in `points` (the samples split between them), seeded
    with the job's seed for the draw (its `seeds`: calibration, verification, check)."""
    split = DRAW_SPLITS[draw]
    seed = int(job.require("seeds", dict)[draw])
    calibration = job.require("calibration", dict)
    ranges = valid_ranges(job.inputs, _model_inputs(job), job.require("valueRanges", dict))
    if calibration["random"]:
        for name, r in ranges.items():
            if r.known:
                log(f"random {split} data: input {name!r} in {r.shown()}")
        points = points or ["opt"]
        counts = [samples // len(points) + (1 if k < samples % len(points) else 0) for k in range(len(points))]
        return [random_samples(job.inputs, n, seed + k, ranges, which) for k, (which, n) in enumerate(zip(points, counts)) if n]
    return from_loader(
        job.workspace / calibration["loader"],
        job.optional_path(calibration.get("dataset")),
        job.inputs,
        samples,
        int(calibration["batchSize"]),
        split,
        ranges,
    )


def samples_for(job: Job, draw: str, samples: int) -> Samples:
    """Calibration data: one shape (the shape range's opt for random data; the loader's most common shape)."""
    split = DRAW_SPLITS[draw]
    groups = sample_groups_for(job, draw, samples)
    if len(groups) > 1:
        log(f"{split}: the loader gave {len(groups)} input shapes; calibrating on the most common one ({groups[0].count} samples)")
    return groups[0]
