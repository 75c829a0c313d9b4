"""bench-inprocess: the variant without HTTP, next to native TensorFlow, measured round by round in one process.

Each round times one window of the variant, one of the SavedModel signature (tf.function, the fast way a
TensorFlow user serves) and one of Keras model.predict (how TF2AIF serves its native baselines), so every
speedup is a ratio of windows measured moments apart on the same machine; rounds go on until the
variant's window medians and both ratios are stable.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..artifact import read_model_meta
from ..client.inputs import random_inputs
from ..env import import_tensorflow
from ..job import Job
from ..jsonio import write_json
from ..progress import log
from ..runtimes.tensorflow import TensorFlowRunner
from ..serve.metadata import model_metadata
from ..serve.service import open_service
from .stability import percentiles_ms, within

RESULT_FILE = "inprocess.json"
WINDOW_SECONDS = 0.4


def timed(fn, inputs) -> float:
    start = time.perf_counter()
    fn(inputs)
    return time.perf_counter() - start


def window_size(fn, inputs) -> int:
    """Calls per window: about WINDOW_SECONDS of work, at least 5."""
    fn(inputs)
    one = timed(fn, inputs)
    return max(5, min(500, math.ceil(WINDOW_SECONDS / max(one, 1e-6))))


class Series:
    """One thing being timed, window by window."""

    def __init__(self, name: str, fn, inputs) -> None:
        self.name, self.fn, self.inputs = name, fn, inputs
        self.n = window_size(fn, inputs)
        self.windows: list[list[float]] = []

    def window(self) -> float:
        samples = [timed(self.fn, self.inputs) for _ in range(self.n)]
        self.windows.append(samples)
        return float(np.median(samples))

    def kept(self, count: int) -> np.ndarray:
        return np.concatenate([np.asarray(w) for w in self.windows[-count:]])


def keras_predict(model_dir: Path, meta: dict):
    if not meta.get("keras"):
        return None
    tf = import_tensorflow()
    model = tf.keras.models.load_model(str(model_dir / meta["keras"]), compile=False)
    names = [t.name for t in model.inputs]
    return lambda batch: model.predict([batch[n] for n in names] if len(names) > 1 else next(iter(batch.values())), verbose=0)


def fastest(window_medians: list[float]) -> float:
    """The fastest window median, the first (warm-up) round left out when there are others."""
    return min(window_medians[1:] if len(window_medians) > 1 else window_medians)


def interleaved(
    series: list[Series], max_seconds: float, consecutive: int = 3, tolerance: float = 0.10, required: int = 2, min_rounds: int = 6
) -> dict:
    """Rounds of one window per series until the first series and the ratios of the next `required - 1` series
    to it are stable (and at least `min_rounds` ran). Later series (Keras model.predict, whose per-call
    overhead swings widely) are measured in the same rounds and reported with their own stability, but do not
    hold the measurement hostage. Every ratio is of the fastest window medians after the first round: other
    processes only ever slow a window down, and small graphs on TensorFlow switch between a fast and a slow
    mode for seconds at a time, so the fastest sustained window is the repeatable estimate of each (the
    minimum as the robust statistic of Chen & Revels, "Robust benchmarking in noisy environments", 2016)."""
    medians: dict[str, list[float]] = {s.name: [] for s in series}
    ratios: dict[str, list[float]] = {s.name: [] for s in series[1:]}
    start = time.perf_counter()
    stable = False
    rounds = 0
    while not stable and (rounds == 0 or time.perf_counter() - start < max_seconds):  # at least one round
        rounds += 1
        for s in series:
            medians[s.name].append(s.window())
        for s in series[1:]:
            ratios[s.name].append(medians[s.name][-1] / medians[series[0].name][-1])
        stable = (
            rounds >= max(consecutive, min_rounds)
            and within(medians[series[0].name][-consecutive:], tolerance)
            and all(within(ratios[s.name][-consecutive:], tolerance) for s in series[1:required])
        )
        log(f"round {rounds}: " + ", ".join(f"{s.name} {medians[s.name][-1] * 1000:.2f} ms" for s in series) + (" (stable)" if stable else ""))
    keep = min(consecutive, rounds)
    return {
        "rounds": rounds,
        "stable": stable,
        "seconds": round(time.perf_counter() - start, 2),
        "latencyMs": {s.name: percentiles_ms(s.kept(keep)) for s in series},
        "ratios": {s.name: round(fastest(medians[s.name]) / fastest(medians[series[0].name]), 4) for s in series[1:]},
        "ratiosStable": {name: within(r[-keep:], tolerance) for name, r in ratios.items()},
    }


def run(job: Job) -> None:
    from ..serve.config import load_config  # noqa: PLC0415

    config = load_config(job.path("variantConfig"))
    model_dir = job.path("modelPath")
    meta = read_model_meta(model_dir)
    max_seconds = float(job.require("maxSeconds", (int, float)))
    service = open_service(config)
    log(f"in-process bench of {config.name} ({service.description})")

    # latency, batch 1, side by side with the native TensorFlow baselines
    # each input in the range variant.json resolved for it, as an HTTP client gets it from the metadata
    one = random_inputs(model_metadata(config), 1)
    series = [Series("variant", service.infer, one)]
    signature = TensorFlowRunner(model_dir / meta["savedModel"])
    series.append(Series("tfSignature", signature.run, one))
    predict = keras_predict(model_dir, meta)
    if predict is not None:
        series.append(Series("kerasPredict", predict, one))
    lat = interleaved(series, max_seconds)

    # throughput at the variant's batch size (what THR mode batches up to)
    batch = config.batch_size
    many = random_inputs(model_metadata(config), batch, seed=1)
    thr_series = Series(f"variant at batch {batch}", service.infer, many)
    thr = interleaved([thr_series], max_seconds, min_rounds=3)
    batch_latency = thr["latencyMs"][thr_series.name]["p50"] / 1000
    service.close()

    flops = meta.get("flopsPerSample")
    p50 = lat["latencyMs"]["variant"]["p50"] / 1000
    result = {
        "variant": config.name,
        "executedWith": service.description,
        "latency": {"batch": 1, **lat["latencyMs"]["variant"], "stable": lat["stable"], "rounds": lat["rounds"]},
        "baselines": {
            "tfSignature": lat["latencyMs"]["tfSignature"],
            "kerasPredict": lat["latencyMs"].get("kerasPredict"),
            "speedupVsTfSignature": lat["ratios"]["tfSignature"],
            "speedupVsKerasPredict": lat["ratios"].get("kerasPredict"),
            "stable": lat["ratiosStable"],
            "note": "ratios of the fastest window medians (first round left out), measured round by round in one process"
            + ("" if predict else "; no Keras model, so no model.predict baseline"),
        },
        "throughput": {
            "batch": batch,
            "perSecond": round(batch / batch_latency, 3),
            "batchLatencyMs": round(batch_latency * 1000, 4),
            "stable": thr["stable"],
        },
        "flopsPerSample": flops,
        "achievedGflopsBatch1": round(flops / p50 / 1e9, 3) if flops and p50 > 0 else None,
        "achievedGflopsThroughput": round(flops * batch / batch_latency / 1e9, 3) if flops else None,
        "seconds": round(lat["seconds"] + thr["seconds"], 2),
    }
    write_json(job.out_dir / RESULT_FILE, result)
    log(
        f"batch 1 p50 {result['latency']['p50']:.3f} ms; speedup x{result['baselines']['speedupVsTfSignature']:.2f} vs tf.function"
        + (f", x{result['baselines']['speedupVsKerasPredict']:.2f} vs model.predict" if predict else "")
        + f"; batch {batch}: {result['throughput']['perSecond']:.1f}/s"
    )
