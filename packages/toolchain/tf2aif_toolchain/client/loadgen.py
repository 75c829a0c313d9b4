"""Closed-loop load: C threads, each sending requests back to back on its own connection."""
from __future__ import annotations

import threading
import time

import numpy as np

from .v2client import V2Client, V2Error


def random_inputs(metadata: dict, batch: int, seed: int = 0, ranges: dict[str, list] | None = None) -> dict[str, np.ndarray]:
    """Inputs shaped from the server's model metadata (-1 dims become `batch` first, then 1), each in its input's
    valid range (model.json's `range`: an embedding's rows, or [0, 255] for pixels); without one, floats in
    [0, 1) and integers in [0, 100)."""
    rng = np.random.default_rng(seed)
    from .v2client import NUMPY

    inputs = {}
    for spec in metadata["inputs"]:
        shape = [batch if i == 0 and d == -1 else (d if d > 0 else 1) for i, d in enumerate(spec["shape"])]
        dtype = NUMPY[spec["datatype"]]
        if dtype.startswith("float"):
            low, high = (ranges or {}).get(spec["name"], (0, 1))
            inputs[spec["name"]] = (low + rng.random(shape) * (high - low)).astype(dtype)
        else:
            low, high = (ranges or {}).get(spec["name"], (0, 99))
            inputs[spec["name"]] = rng.integers(int(low), int(high) + 1, shape).astype(dtype)
    return inputs


def run_load(url: str, model: str, requests: int, concurrency: int, batch: int = 1) -> dict:
    probe = V2Client(url)
    metadata = probe.get_json(f"/v2/models/{model}")
    probe.close()
    outputs = [o["name"] for o in metadata["outputs"]]
    inputs = random_inputs(metadata, batch)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    remaining = [requests]

    def worker() -> None:
        client = V2Client(url)
        try:
            client.infer(model, inputs, outputs)  # warm the connection
            while True:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                start = time.perf_counter()
                try:
                    client.infer(model, inputs, outputs)
                    elapsed = time.perf_counter() - start
                    with lock:
                        latencies.append(elapsed)
                except (V2Error, OSError) as e:
                    key = f"HTTP {e.status}" if isinstance(e, V2Error) else type(e).__name__
                    with lock:
                        errors[key] = errors.get(key, 0) + 1
                    client.close()
                    client = V2Client(url)
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
