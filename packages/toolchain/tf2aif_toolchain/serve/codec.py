"""Inference request / response bodies of the Open Inference Protocol, JSON and the binary tensor data extension.

Binary extension: the body is a JSON header of Inference-Header-Content-Length bytes, then each tensor that has
parameters.binary_data_size, in order, as raw little-endian bytes. Responses use it for outputs asked for with
parameters.binary_data (per output) or binary_data_output (per request).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .config import TensorSpec, VariantConfig
from .datatypes import v2_from_numpy, wire_dtype
from .errors import bad_request


@dataclass
class InferRequest:
    id: str | None
    inputs: dict[str, np.ndarray]
    outputs: list[tuple[str, bool]]  # (name, as binary) in response order


def _header_length(value: str | None, body_size: int) -> int | None:
    if value is None:
        return None
    try:
        length = int(value)
    except ValueError:
        length = -1
    if not 0 <= length <= body_size:
        raise bad_request(f"Inference-Header-Content-Length must be an integer from 0 to the body size ({body_size}), got {value!r}")
    return length


def _parse_json(raw: bytes | memoryview) -> Any:
    try:
        return json.loads(bytes(raw))
    except json.JSONDecodeError as e:
        raise bad_request(f"malformed JSON in the request body: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except UnicodeDecodeError:
        raise bad_request("malformed JSON in the request body: not UTF-8 (binary tensors need the Inference-Header-Content-Length header)") from None


def _shape(entry: dict, where: str) -> list[int]:
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise bad_request(f"{where}: shape must be a list of non-negative integers, got {shape!r}")
    return shape


def _json_tensor(data: Any, spec: TensorSpec, shape: list[int], where: str) -> np.ndarray:
    if not isinstance(data, list):
        raise bad_request(f"{where}: data must be a (flat or nested) list of numbers, got {type(data).__name__}")
    try:
        values = np.array(data)
    except ValueError:
        raise bad_request(f"{where}: data is a ragged nested list; send it flat, in row-major order") from None
    if values.size and values.dtype.kind not in "biuf":
        raise bad_request(f"{where}: data must hold numbers ({spec.datatype}), got {values.dtype.kind!r} values such as {values.flat[0]!r}")
    if values.size != math.prod(shape):
        raise bad_request(f"{where}: shape {shape} has {math.prod(shape)} elements, but data holds {values.size}")
    target = np.dtype(spec.dtype)
    if values.size and target.kind in "iub":
        if values.dtype.kind == "f" and not np.all(np.isfinite(values) & (values == np.round(values))):
            raise bad_request(f"{where}: {spec.datatype} data must be whole numbers")
        low, high = (0, 1) if target.kind == "b" else (np.iinfo(target).min, np.iinfo(target).max)
        if values.min() < low or values.max() > high:
            raise bad_request(f"{where}: values must lie in [{low}, {high}] for {spec.datatype}")
    return values.astype(target).reshape(shape)


def decode_infer_request(body: bytes, header_length: str | None, config: VariantConfig) -> InferRequest:
    json_size = _header_length(header_length, len(body))
    view = memoryview(body)
    doc = _parse_json(view if json_size is None else view[:json_size])
    binary = view[len(view) :] if json_size is None else view[json_size:]
    if not isinstance(doc, dict):
        raise bad_request(f"the request body must be a JSON object with 'inputs', got {type(doc).__name__}")
    entries = doc.get("inputs")
    if not isinstance(entries, list) or not entries:
        raise bad_request("the request needs 'inputs': a non-empty list of {name, shape, datatype, data}")
    tensors: dict[str, np.ndarray] = {}
    offset = 0
    for i, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise bad_request(f"inputs[{i}]: expected an object with a name, got {entry!r:.100}")
        where = f"input {name!r}"
        spec = config.input(name)
        if spec is None:
            raise bad_request(f"unknown input {name!r}: model {config.model} takes {[t.name for t in config.inputs]}")
        if name in tensors:
            raise bad_request(f"{where} is given twice")
        if entry.get("datatype") != spec.datatype:
            raise bad_request(f"{where}: expected datatype {spec.datatype}, got {entry.get('datatype')!r}")
        shape = _shape(entry, where)
        parameters = entry.get("parameters") or {}
        size = parameters.get("binary_data_size") if isinstance(parameters, dict) else None
        if size is None:
            if "data" not in entry:
                raise bad_request(f"{where}: give 'data', or parameters.binary_data_size with the bytes after the JSON header")
            tensors[name] = _json_tensor(entry["data"], spec, shape, where)
            continue
        if json_size is None:
            raise bad_request(f"{where}: binary_data_size needs the Inference-Header-Content-Length header (the JSON part's size)")
        if "data" in entry:
            raise bad_request(f"{where}: give either 'data' or binary_data_size, not both")
        dtype = wire_dtype(spec.dtype)
        need = math.prod(shape) * dtype.itemsize
        if not isinstance(size, int) or isinstance(size, bool) or size != need:
            raise bad_request(f"{where}: binary_data_size is {size!r} bytes, but shape {shape} of {spec.datatype} needs {need}")
        if offset + size > len(binary):
            raise bad_request(f"{where}: needs {size} bytes of binary data, but the body has only {len(binary) - offset} left")
        tensors[name] = np.frombuffer(binary[offset : offset + size], dtype).reshape(shape).astype(spec.dtype, copy=False)
        offset += size
    if offset != len(binary):
        raise bad_request(f"the body has {len(binary) - offset} bytes of binary data that no input's binary_data_size accounts for")
    request_id = doc.get("id")
    return InferRequest(str(request_id) if request_id is not None else None, tensors, _requested_outputs(doc, config))


def _requested_outputs(doc: dict, config: VariantConfig) -> list[tuple[str, bool]]:
    parameters = doc.get("parameters") or {}
    default = parameters.get("binary_data_output", False) if isinstance(parameters, dict) else False
    if not isinstance(default, bool):
        raise bad_request(f"parameters.binary_data_output must be true or false, got {default!r}")
    wanted = doc.get("outputs")
    if wanted is None:
        return [(t.name, default) for t in config.outputs]
    if not isinstance(wanted, list):
        raise bad_request(f"'outputs' must be a list of {{name, parameters}}, got {wanted!r:.100}")
    result = []
    for entry in wanted:
        name = entry.get("name") if isinstance(entry, dict) else None
        if config.output(name) is None:
            raise bad_request(f"unknown output {name!r}: model {config.model} produces {[t.name for t in config.outputs]}")
        options = entry.get("parameters") or {}
        if "classification" in options:
            raise bad_request("the classification extension is not supported: ask for the raw output")
        binary = options.get("binary_data", default)
        if not isinstance(binary, bool):
            raise bad_request(f"output {name!r}: parameters.binary_data must be true or false, got {binary!r}")
        result.append((name, binary))
    return result


def encode_infer_response(config: VariantConfig, request: InferRequest, outputs: dict[str, np.ndarray]) -> tuple[bytes, int | None]:
    """-> (body, JSON header length when binary outputs follow it, else None)."""
    entries, blobs = [], []
    for name, binary in request.outputs:
        value = outputs[name]
        entry: dict[str, Any] = {"name": name, "datatype": v2_from_numpy(value), "shape": list(value.shape)}
        if binary:
            raw = np.ascontiguousarray(value, dtype=wire_dtype(value.dtype.name)).tobytes()
            entry["parameters"] = {"binary_data_size": len(raw)}
            blobs.append(raw)
        else:
            entry["data"] = value.ravel().tolist()
        entries.append(entry)
    doc: dict[str, Any] = {"model_name": config.model, "model_version": config.version, "outputs": entries}
    if request.id is not None:
        doc["id"] = request.id
    header = json.dumps(doc, separators=(",", ":")).encode()
    if not blobs:
        return header, None
    return b"".join([header, *blobs]), len(header)
