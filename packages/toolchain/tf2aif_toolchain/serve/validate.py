"""Checks request tensors against variant.json's inputs, for HTTP and in-process calls alike."""

from __future__ import annotations

import numpy as np

from .config import TensorSpec, VariantConfig
from .datatypes import V2_BY_DTYPE
from .errors import InferenceFailed, bad_request


def _shape_matches(spec: TensorSpec, shape: tuple[int, ...]) -> bool:
    return len(shape) == len(spec.shape) and all(want in (-1, got) for want, got in zip(spec.shape, shape))


def _outside(spec: TensorSpec, sample_shape: tuple[int, ...]) -> bool:
    low, high = spec.shape_range["min"], spec.shape_range["max"]
    return any(not lo <= d <= hi for d, lo, hi in zip(sample_shape, low, high))


def check_inputs(config: VariantConfig, tensors: dict[str, np.ndarray]) -> int:
    """The request's batch size, or a 400 that says which input is wrong and how."""
    expected = [t.name for t in config.inputs]
    unknown = sorted(set(tensors) - set(expected))
    if unknown:
        raise bad_request(f"unknown input(s) {unknown}: model {config.model} takes {expected}")
    missing = [name for name in expected if name not in tensors]
    if missing:
        raise bad_request(f"missing input(s) {missing}: model {config.model} takes {expected}")
    batch = None
    for spec in config.inputs:
        value = tensors[spec.name]
        got_type = V2_BY_DTYPE.get(np.dtype(value.dtype).name, str(value.dtype))
        if got_type != spec.datatype:
            raise bad_request(f"input {spec.name!r}: expected datatype {spec.datatype}, got {got_type}")
        if not _shape_matches(spec, value.shape):
            raise bad_request(f"input {spec.name!r}: expected shape {list(spec.shape)} (-1: any size), got {list(value.shape)}")
        if spec.shape_range is not None and _outside(spec, value.shape[1:]):
            r = spec.shape_range
            raise bad_request(
                f"input {spec.name!r}: shape {list(value.shape)} is outside the accepted range: each sample from "
                f"{list(r['min'])} to {list(r['max'])} (without the batch dimension)"
            )
        if value.shape[0] == 0:
            raise bad_request(f"input {spec.name!r}: the batch (first) dimension is 0; send at least one sample")
        if batch is not None and value.shape[0] != batch:
            raise bad_request(f"inputs disagree on the batch size: {spec.name!r} has {value.shape[0]}, the others {batch}")
        batch = value.shape[0]
    return batch


def check_outputs(config: VariantConfig, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The outputs variant.json declares, in their dtypes (runtimes return float32 for any float precision)."""
    missing = [t.name for t in config.outputs if t.name not in tensors]
    if missing:
        raise InferenceFailed(
            f"variant.json declares output(s) {missing}, but the model{' (after postprocess)' if config.processing else ''} "
            f"produced {sorted(tensors)}: fix the outputs in variant.json"
        )
    return {t.name: tensors[t.name].astype(t.dtype, copy=False) for t in config.outputs}
