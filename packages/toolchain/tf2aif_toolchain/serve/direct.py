"""LAT mode: each request runs as it comes, with the batch the client sent (TF2AIF's latency server)."""

from __future__ import annotations

from .model import ServedModel, Tensors
from .stats import Stats, Timings


class DirectScheduler:
    def __init__(self, model: ServedModel, stats: Stats) -> None:
        self._model = model
        self._stats = stats

    def submit(self, inputs: Tensors, batch: int, timings: Timings) -> Tensors:
        result = self._model.run(inputs, batch)
        # the model's lock serializes runtime calls: time spent waiting for it is this request's queue time
        timings.queue = result.wait_ns
        timings.infer = result.infer_ns
        self._stats.record_execution(batch, result.pad_ns, result.infer_ns, 0)
        return result.outputs

    def queue_depth(self) -> int:
        return 0

    def close(self, timeout: float = 0) -> None:
        pass
