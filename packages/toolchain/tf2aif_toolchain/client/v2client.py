"""Open Inference Protocol (KServe v2) over HTTP/1.1 keep-alive, with binary tensors, standard library only."""
from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import numpy as np

V2 = {"float32": "FP32", "float16": "FP16", "int8": "INT8", "uint8": "UINT8", "int32": "INT32", "int64": "INT64", "bool": "BOOL"}
NUMPY = {v: k for k, v in V2.items()}


class V2Error(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def encode_request(inputs: dict[str, np.ndarray], outputs: list[str]) -> tuple[bytes, int]:
    """The body (JSON header + raw little-endian tensors) and the header's length."""
    arrays = [np.ascontiguousarray(a, dtype=np.dtype(a.dtype).newbyteorder("<")) for a in inputs.values()]
    header = {
        "inputs": [
            {"name": n, "shape": list(a.shape), "datatype": V2[a.dtype.name], "parameters": {"binary_data_size": a.nbytes}}
            for n, a in zip(inputs, arrays)
        ],
        "outputs": [{"name": n, "parameters": {"binary_data": True}} for n in outputs],
    }
    head = json.dumps(header).encode()
    return head + b"".join(a.tobytes() for a in arrays), len(head)


def decode_response(body: bytes, header_length: int | None) -> dict[str, np.ndarray]:
    head = json.loads(body[:header_length] if header_length is not None else body)
    offset = header_length or 0
    result = {}
    for out in head["outputs"]:
        dtype = np.dtype(NUMPY[out["datatype"]]).newbyteorder("<")
        size = (out.get("parameters") or {}).get("binary_data_size")
        if size is not None:
            result[out["name"]] = np.frombuffer(body, dtype, count=size // dtype.itemsize, offset=offset).reshape(out["shape"])
            offset += size
        else:
            result[out["name"]] = np.asarray(out["data"], dtype=dtype).reshape(out["shape"])
    return result


class V2Client:
    """One keep-alive connection; not thread-safe (use one per thread)."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parsed = urlparse(url)
        self._conn = http.client.HTTPConnection(parsed.hostname or "127.0.0.1", parsed.port or 80, timeout=timeout)

    def _request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
        self._conn.request(method, path, body=body, headers=headers or {})
        response = self._conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def get_json(self, path: str) -> dict:
        status, _, body = self._request("GET", path)
        if status != 200:
            raise V2Error(status, body.decode(errors="replace"))
        return json.loads(body)

    def ready(self) -> bool:
        try:
            return self._request("GET", "/v2/health/ready")[0] == 200
        except OSError:
            return False

    def infer(self, model: str, inputs: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
        body, header_length = encode_request(inputs, outputs)
        headers = {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(header_length)}
        status, response_headers, payload = self._request("POST", f"/v2/models/{model}/infer", body, headers)
        if status != 200:
            raise V2Error(status, payload.decode(errors="replace"))
        length = {k.lower(): v for k, v in response_headers.items()}.get("inference-header-content-length")
        return decode_response(payload, int(length) if length is not None else None)

    def close(self) -> None:
        self._conn.close()
