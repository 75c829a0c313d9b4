"""Measure in windows until the last few agree: TF2AIF-style numbers without a fixed, arbitrary iteration count."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Windows:
    """Per-window medians and every sample of the windows that were kept."""

    medians: list[float] = field(default_factory=list)
    samples: list[list[float]] = field(default_factory=list)
    stable: bool = False
    seconds: float = 0.0

    def kept(self, count: int) -> np.ndarray:
        return np.concatenate([np.asarray(s) for s in self.samples[-count:]]) if self.samples else np.array([np.nan])


def within(values: list[float], tolerance: float) -> bool:
    """All values within `tolerance` (relative) of their median."""
    mid = float(np.median(values))
    return mid > 0 and all(abs(v - mid) / mid <= tolerance for v in values)


def until_stable(
    window: Callable[[], list[float]],
    *,
    consecutive: int = 3,
    tolerance: float = 0.10,
    max_seconds: float = 60.0,
    min_windows: int = 3,
    on_window: Callable[[int, float, bool], None] | None = None,
) -> Windows:
    """Runs `window()` (returns one window's samples) until `consecutive` window medians are within
    `tolerance`, or `max_seconds` pass (then `stable` is False and the last windows are reported as they are)."""
    result = Windows()
    start = time.perf_counter()
    while True:
        samples = window()
        result.samples.append(samples)
        result.medians.append(float(np.median(samples)))
        n = len(result.medians)
        result.stable = n >= max(min_windows, consecutive) and within(result.medians[-consecutive:], tolerance)
        if on_window:
            on_window(n, result.medians[-1], result.stable)
        result.seconds = time.perf_counter() - start
        if result.stable or result.seconds > max_seconds:
            return result


def percentiles_ms(seconds: np.ndarray) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 4), "p90": round(float(np.percentile(ms, 90)), 4), "p99": round(float(np.percentile(ms, 99)), 4), "mean": round(float(ms.mean()), 4)}
