"""Open Inference Protocol datatypes and the numpy dtypes they travel as (binary data is little-endian)."""

from __future__ import annotations

import numpy as np

# the tensor dtypes the toolchain knows (job.DTYPES) -> KServe v2 names
V2_BY_DTYPE = {
    "float32": "FP32",
    "float16": "FP16",
    "int8": "INT8",
    "uint8": "UINT8",
    "int32": "INT32",
    "int64": "INT64",
    "bool": "BOOL",
}


def wire_dtype(dtype: str) -> np.dtype:
    """The numpy dtype of a tensor's bytes on the wire: explicitly little-endian, as the extension requires."""
    return np.dtype(dtype).newbyteorder("<") if np.dtype(dtype).itemsize > 1 else np.dtype(dtype)


def v2_from_numpy(array: np.ndarray) -> str:
    name = np.dtype(array.dtype).name
    if name not in V2_BY_DTYPE:
        raise TypeError(f"the model produced a {name} tensor, which the server cannot send (supported: {sorted(V2_BY_DTYPE)})")
    return V2_BY_DTYPE[name]


def triton_type(dtype: str) -> str:
    """Triton's model-config spelling (TYPE_FP32), which perf_analyzer reads."""
    return "TYPE_" + ("BOOL" if dtype == "bool" else V2_BY_DTYPE[dtype])
