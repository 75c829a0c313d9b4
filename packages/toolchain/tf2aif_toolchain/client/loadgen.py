"""Closed-loop load through Triton's KServe v2 client (tritonclient.http): C threads, each sending requests
back to back on its own client (one keep-alive connection), with binary tensors both ways."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlparse

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException, np_to_triton_dtype

from .inputs import random_inputs


def connect(url: str, timeout: float = 60.0) -> triton.InferenceServerClient:
    """tritonclient wants host:port; the CLI and variant.json speak URLs."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    return triton.InferenceServerClient(f"{parsed.hostname or '127.0.0.1'}:{parsed.port or 80}", connection_timeout=timeout, network_timeout=timeout)


def is_ready(url: str) -> bool:
    client = connect(url, timeout=5)
    try:
        return client.is_server_ready()
    except (InferenceServerException, OSError):
        return False
    finally:
        client.close()


def _request(inputs: dict[str, np.ndarray], outputs: list[str]) -> tuple[list[triton.InferInput], list[triton.InferRequestedOutput]]:
    tensors = []
    for name, array in inputs.items():
        tensor = triton.InferInput(name, list(array.shape), np_to_triton_dtype(array.dtype))
        tensor.set_data_from_numpy(array, binary_data=True)
        tensors.append(tensor)
    return tensors, [triton.InferRequestedOutput(name, binary_data=True) for name in outputs]


def infer(client: triton.InferenceServerClient, model: str, inputs: dict[str, np.ndarray], outputs: list[str]) -> dict[str, np.ndarray]:
    tensors, wanted = _request(inputs, outputs)
    result = client.infer(model, tensors, outputs=wanted)
    return {name: result.as_numpy(name) for name in outputs}


def _error_key(error: Exception) -> str:
    status = error.status() if isinstance(error, InferenceServerException) else None
    return f"HTTP {status}" if status else type(error).__name__


def run_load(url: str, model: str, requests: int, concurrency: int, batch: int = 1) -> dict:
    probe = connect(url)
    metadata = probe.get_model_metadata(model)
    probe.close()
    outputs = [o["name"] for o in metadata["outputs"]]
    inputs = random_inputs(metadata, batch)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        # a client per thread, made in it: tritonclient's HTTP client is not thread-safe
        client = connect(url)
        try:
            infer(client, model, inputs, outputs)  # warm the connection
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                try:
                    infer(client, model, inputs, outputs)
                    elapsed = time.perf_counter() - start
                    with lock:
                        latencies.append(elapsed)
                except (InferenceServerException, OSError) as e:
                    with lock:
                        errors[_error_key(e)] = errors.get(_error_key(e), 0) + 1
                    client.close()
                    client = connect(url)
        finally:
            client.close()

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = np.array(latencies) * 1000 if latencies else np.array([np.nan])
    return {
        "model": model,
        "requests": len(latencies),
        "errors": errors,
        "concurrency": concurrency,
        "batch": batch,
        "seconds": round(wall, 3),
        "throughputPerSecond": round(len(latencies) * batch / wall, 2) if wall > 0 else None,
        "latencyMs": {p: round(float(np.percentile(ms, q)), 3) for p, q in (("p50", 50), ("p90", 90), ("p99", 99))},
    }
