"""The rules the in-process bench stops and reports by: windows agreeing within a tolerance, percentiles in ms."""

from __future__ import annotations

import numpy as np


def within(values: list[float], tolerance: float) -> bool:
    """All values within `tolerance` (relative) of their median."""
    mid = float(np.median(values))
    return mid > 0 and all(abs(v - mid) / mid <= tolerance for v in values)


def percentiles_ms(seconds: np.ndarray) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {
        "p50": round(float(np.percentile(ms, 50)), 4),
        "p90": round(float(np.percentile(ms, 90)), 4),
        "p99": round(float(np.percentile(ms, 99)), 4),
        "mean": round(float(ms.mean()), 4),
    }
