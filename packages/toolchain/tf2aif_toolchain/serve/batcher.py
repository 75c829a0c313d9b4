"""THR mode: server-side dynamic batching (TF2AIF's throughput server, done per request instead of per client).

Requests wait in a bounded queue; one thread takes the oldest, gathers more until the batch is full or the oldest
has waited maxQueueDelayMs, runs the runtime once on the concatenation and hands each request its rows back.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from ..progress import log
from .errors import InferenceFailed, RequestError
from .model import ServedModel, Tensors
from .stats import Stats, Timings

POLL_SECONDS = 0.05  # how often an idle batcher looks at its stop flag


@dataclass
class _Pending:
    inputs: Tensors
    batch: int
    enqueued: int = field(default_factory=time.perf_counter_ns)
    started: int = 0
    infer_ns: int = 0
    future: Future = field(default_factory=Future)

    def signature(self) -> tuple:
        """Requests join one batch only if everything but the batch dimension matches."""
        return tuple((k, v.shape[1:], v.dtype.str) for k, v in sorted(self.inputs.items()))


class DynamicBatcher:
    def __init__(self, model: ServedModel, stats: Stats, max_batch: int, max_delay_ms: float, max_queue: int) -> None:
        self._model = model
        self._stats = stats
        self._max_batch = max_batch
        self._delay_ns = int(max_delay_ms * 1e6)
        self._max_queue = max_queue
        self._queue: queue.Queue[_Pending] = queue.Queue(maxsize=max_queue)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tf2aif-batcher", daemon=True)
        self._thread.start()

    def submit(self, inputs: Tensors, batch: int, timings: Timings) -> Tensors:
        if self._stop.is_set():
            raise RequestError(503, "the server is shutting down")
        item = _Pending(inputs, batch)
        try:
            self._queue.put_nowait(item)
        except queue.Full:
            raise RequestError(
                503, f"the request queue is full ({self._max_queue} waiting): retry later, or raise maxQueueSize in variant.json"
            ) from None
        while True:
            try:
                outputs = item.future.result(timeout=1.0)  # re-raises the batch's InferenceFailed
                break
            except TimeoutError:
                if not self._thread.is_alive():  # closed between our check and our put: nobody will run it
                    raise RequestError(503, "the server is shutting down") from None
        timings.queue = item.started - item.enqueued
        timings.infer = item.infer_ns
        return outputs

    def queue_depth(self) -> int:
        return self._queue.qsize()

    def close(self, timeout: float = 10) -> None:
        """Runs what is queued, then stops the thread."""
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        carry: _Pending | None = None
        while True:
            first, carry = carry, None
            if first is None:
                try:
                    first = self._queue.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    if self._stop.is_set():
                        return
                    continue
            batch, carry = self._gather(first)
            self._execute(batch)

    def _gather(self, first: _Pending) -> tuple[list[_Pending], _Pending | None]:
        items, total, key = [first], first.batch, first.signature()
        deadline = first.enqueued + self._delay_ns
        while total < self._max_batch:
            wait = (deadline - time.perf_counter_ns()) / 1e9
            try:
                item = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if total + item.batch > self._max_batch or item.signature() != key:
                return items, item  # it starts the next batch
            items.append(item)
            total += item.batch
        return items, None

    def _execute(self, items: list[_Pending]) -> None:
        started = time.perf_counter_ns()
        total = sum(i.batch for i in items)
        try:
            inputs = items[0].inputs if len(items) == 1 else {k: np.concatenate([i.inputs[k] for i in items]) for k in items[0].inputs}
            assembled = time.perf_counter_ns()
            result = self._model.run(inputs, total)
        except Exception as e:  # noqa: BLE001 (every waiting request gets the failure; the thread carries on)
            failure = e if isinstance(e, InferenceFailed) else InferenceFailed(f"batch of {total} failed: {type(e).__name__}: {e}")
            if not isinstance(e, InferenceFailed):
                log(f"serve: {failure}")
            for item in items:
                item.started = started
                item.future.set_exception(failure)
            return
        split_start = time.perf_counter_ns()
        parts, offset = [], 0
        for item in items:
            parts.append({k: v[offset : offset + item.batch] for k, v in result.outputs.items()})
            offset += item.batch
        # recorded before anyone is answered, so a caller that reads the stats next sees this batch
        self._stats.record_execution(total, assembled - started + result.pad_ns, result.infer_ns, time.perf_counter_ns() - split_start)
        for item, part in zip(items, parts):
            item.started, item.infer_ns = started, result.infer_ns
            item.future.set_result(part)
