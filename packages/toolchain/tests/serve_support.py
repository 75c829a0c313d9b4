"""Shared by the test_serve_* files: a tiny TFLite variant built once per test process, variant.json writing,
and a raw HTTP client (http.client) so tests see status codes and headers exactly as sent."""

from __future__ import annotations

import atexit
import functools
import http.client
import json
import shutil
import tempfile
import threading
from pathlib import Path

import numpy as np

from job_support import serving
from tiny_models import build_tiny_model, run_step

INPUTS = [{"name": "image", "shape": [None, 6, 6, 1], "dtype": "float32"}]
OUTPUTS = [{"name": "output_0", "shape": [None, 3], "dtype": "float32"}]


@functools.lru_cache(maxsize=1)
def tiny_tflite() -> Path:
    """build-model -> convert (TFLite FP32) through the toolchain's own steps; -> the artifact folder."""
    ws = Path(tempfile.mkdtemp(prefix="tf2aif-serve-test-"))
    atexit.register(shutil.rmtree, ws, True)
    build_tiny_model(ws, (6, 6, 1), classes=3, filters=4)
    variant = {
        "variant": "tiny-cpu",
        "platform": "cpu",
        "runtime": "tflite",
        "precision": "fp32",
        "batchSize": 1,
        "converter": "tflite",
        "modelPath": "dist/models/tiny",
    }
    return run_step("convert", ws, ws / "dist/variants/tiny-cpu/convert", INPUTS, **variant)


def variant_doc(artifact_dir: Path, **overrides) -> dict:
    return {
        "name": "tiny-cpu",
        "model": "tiny",
        "version": "1",
        "platform": "cpu",
        "runtime": "tflite",
        "executor": "tflite",
        "precision": "fp32",
        "batchSize": 1,
        "fixedBatch": False,
        **serving(),
        # with the value range make-config resolves for each input (here valueRanges' float default)
        "inputs": [{**spec, "range": [0.0, 1.0]} for spec in INPUTS],
        "outputs": OUTPUTS,
        "artifactDir": str(artifact_dir),
        "processing": None,
        **overrides,
    }


def write_variant(folder: Path, artifact_dir: Path, **overrides) -> Path:
    path = folder / "variant.json"
    path.write_text(json.dumps(variant_doc(artifact_dir, **overrides)))
    return path


def images(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 6, 6, 1), dtype=np.float32)


class Client:
    """One keep-alive connection; returns (status, headers, body bytes)."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data

    def get_json(self, path: str):
        status, _, data = self.request("GET", path)
        return status, json.loads(data)

    def infer_json(self, path: str, doc: dict, headers: dict | None = None):
        status, head, data = self.request("POST", path, json.dumps(doc).encode(), {"Content-Type": "application/json", **(headers or {})})
        return status, json.loads(data[: int(head.get("Inference-Header-Content-Length", len(data)))]), head, data

    def close(self) -> None:
        self.conn.close()


def binary_request(x: np.ndarray, binary_output: bool = True, name: str = "image", size: int | None = None) -> tuple[bytes, dict]:
    """A binary-extension body: JSON header, then the tensor's raw little-endian bytes."""
    raw = x.astype("<f4").tobytes()
    header = json.dumps(
        {
            "inputs": [
                {"name": name, "shape": list(x.shape), "datatype": "FP32", "parameters": {"binary_data_size": len(raw) if size is None else size}}
            ],
            "parameters": {"binary_data_output": binary_output},
        }
    ).encode()
    return header + raw, {"Inference-Header-Content-Length": str(len(header)), "Content-Type": "application/octet-stream"}


def parse_binary_response(head: dict, data: bytes) -> dict[str, np.ndarray]:
    length = int(head["Inference-Header-Content-Length"])
    doc = json.loads(data[:length])
    out, offset = {}, length
    for entry in doc["outputs"]:
        size = entry["parameters"]["binary_data_size"]
        out[entry["name"]] = np.frombuffer(data[offset : offset + size], "<f4").reshape(entry["shape"])
        offset += size
    assert offset == len(data)
    return out


def run_concurrently(work, count: int) -> None:
    """work(i) for i in range(count), each on its own thread, all started before any is joined."""
    pool = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()


def metric_samples(text: str) -> dict[tuple[str, frozenset], float]:
    """GET /metrics read back with prometheus_client's own parser (a malformed exposition raises):
    (sample name, its labels) -> value."""
    from prometheus_client.parser import text_string_to_metric_families

    return {(s.name, frozenset(s.labels.items())): s.value for family in text_string_to_metric_families(text) for s in family.samples}


def metric(text: str, name: str, **labels: str) -> float:
    """One sample of the tiny model's metrics, 0 when absent."""
    return metric_samples(text).get((name, frozenset({"model": "tiny", "version": "1", **labels}.items())), 0.0)
