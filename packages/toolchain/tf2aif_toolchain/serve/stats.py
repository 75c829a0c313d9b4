"""What the server measured: per-request stage timings (TF2AIF base_server's breakdown), counters, batch sizes.

One lock guards it all; each update is a few additions, so contention is negligible next to an inference.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

# TF2AIF's decode -> preprocess -> experiment -> postprocess -> encode, with the batcher's queue wait added
STAGES = ("decode", "preprocess", "queue", "infer", "postprocess", "encode")
SECONDS_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


@dataclass
class Timings:
    """Nanoseconds one request spent in each stage; filled in as it goes."""

    decode: int = 0
    preprocess: int = 0
    queue: int = 0
    infer: int = 0
    postprocess: int = 0
    encode: int = 0

    def server_timing(self) -> str:
        """The W3C Server-Timing header value, in milliseconds: a client (the bench) then knows, request by
        request, how much of its latency the runtime took and how much the HTTP path added."""
        return ", ".join(f"{stage};dur={getattr(self, stage) / 1e6:.3f}" for stage in STAGES)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)  # per bucket (not cumulative), +Inf last
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, value: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, value)] += 1
        self.total += value
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """(le, count) pairs as Prometheus wants them: cumulative, ending with +Inf."""
        out, running = [], 0
        for bound, n in zip([*map(_fmt, self.buckets), "+Inf"], self.counts):
            running += n
            out.append((bound, running))
        return out


def _fmt(x: float) -> str:
    return repr(float(x)) if not float(x).is_integer() else str(int(x))


@dataclass
class BatchRecord:
    """Triton's batch_stats entry: executions of one batch size and where their time went."""

    count: int = 0
    assemble_ns: int = 0  # concatenation and fixed-batch padding (Triton: compute_input)
    infer_ns: int = 0  # the runtime call (compute_infer)
    split_ns: int = 0  # slicing results back per request (compute_output)


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started = time.time()
        self.requests = 0
        self.successes = 0
        self.success_ns = 0
        self.failures: Counter[int] = Counter()  # HTTP status -> count
        self.failure_ns = 0
        self.inferences = 0  # samples served (a request of batch 4 counts 4)
        self.executions = 0  # runtime calls
        self.last_inference_ms = 0
        self.stage_ns = {s: 0 for s in STAGES}
        self.stages = {s: Histogram(SECONDS_BUCKETS) for s in STAGES}
        self.request_seconds = Histogram(SECONDS_BUCKETS)
        self.request_batch = Histogram(BATCH_BUCKETS)
        self.execution_batch = Histogram(BATCH_BUCKETS)
        self.batches: dict[int, BatchRecord] = {}

    def record_success(self, timings: Timings, total_ns: int, batch: int) -> None:
        with self._lock:
            self.requests += 1
            self.successes += 1
            self.success_ns += total_ns
            self.inferences += batch
            self.last_inference_ms = int(time.time() * 1000)
            for stage in STAGES:
                ns = getattr(timings, stage)
                self.stage_ns[stage] += ns
                self.stages[stage].observe(ns / 1e9)
            self.request_seconds.observe(total_ns / 1e9)
            self.request_batch.observe(batch)

    def record_failure(self, status: int, total_ns: int) -> None:
        with self._lock:
            self.requests += 1
            self.failures[status] += 1
            self.failure_ns += total_ns

    def record_execution(self, batch: int, assemble_ns: int, infer_ns: int, split_ns: int) -> None:
        with self._lock:
            self.executions += 1
            self.execution_batch.observe(batch)
            record = self.batches.setdefault(batch, BatchRecord())
            record.count += 1
            record.assemble_ns += assemble_ns
            record.infer_ns += infer_ns
            record.split_ns += split_ns

    def reset(self) -> None:
        """Forget everything (the warm-up inference is not traffic)."""
        fresh = Stats()
        with self._lock:
            self.__dict__.update({k: v for k, v in fresh.__dict__.items() if k != "_lock"})

    def locked(self) -> threading.Lock:
        """Hold while reading several fields, so a rendering is one consistent snapshot."""
        return self._lock
