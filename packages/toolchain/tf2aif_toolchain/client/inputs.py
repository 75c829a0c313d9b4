"""Request data for a served model, from its v2 metadata (numpy and tritonclient's light utils only: the in-process
bench imports it without the HTTP client)."""

from __future__ import annotations

import numpy as np
from tritonclient.utils import triton_to_np_dtype


def random_inputs(metadata: dict, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Inputs shaped from the server's model metadata (-1 dims become `batch` first, then the shape range's opt
    where the input has one, else 1), each in the valid range the metadata gives (a tf2aif server's variant.json
    resolves one per input: tf2aif.json's, the graph's, or valueRanges)."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for spec in metadata["inputs"]:
        opt = (spec.get("shapeRange") or {}).get("opt")
        inner = opt if opt else [d if d > 0 else 1 for d in spec["shape"][1:]]
        shape = [batch if spec["shape"][0] == -1 else spec["shape"][0], *inner]
        dtype = np.dtype(triton_to_np_dtype(spec["datatype"]))
        if dtype == np.bool_:
            inputs[spec["name"]] = rng.random(shape) < 0.5
            continue
        if "range" not in spec:
            raise ValueError(
                f"input {spec['name']!r}: the server's metadata gives no value range (a tf2aif server does: variant.json inputs[].range)"
            )
        low, high = spec["range"]
        if dtype.kind == "f":
            inputs[spec["name"]] = (low + rng.random(shape) * (high - low)).astype(dtype)
        else:
            inputs[spec["name"]] = rng.integers(int(low), int(high) + 1, shape).astype(dtype)
    return inputs
