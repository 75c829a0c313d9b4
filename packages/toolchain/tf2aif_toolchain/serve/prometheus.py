"""GET /metrics: the statistics in Prometheus' text exposition format (version 0.0.4)."""
from __future__ import annotations

from .config import VariantConfig
from .stats import STAGES, Histogram, Stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(base: dict[str, str], **extra: str) -> str:
    pairs = {**base, **extra}
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in pairs.items()) + "}"


class _Writer:
    def __init__(self, base: dict[str, str]) -> None:
        self.base = base
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        text = repr(value) if isinstance(value, float) else str(value)  # repr: sums keep full precision
        self.lines.append(f"{name}{_labels(self.base, **labels)} {text}")

    def histogram(self, name: str, h: Histogram, **labels: str) -> None:
        for bound, count in h.cumulative():
            self.sample(f"{name}_bucket", count, **labels, le=bound)
        self.sample(f"{name}_sum", float(h.total), **labels)
        self.sample(f"{name}_count", h.count, **labels)


def render(config: VariantConfig, stats: Stats, description: str, queue_depth: int, in_flight: int) -> str:
    w = _Writer({"model": config.model, "version": config.version})
    w.family("tf2aif_model_info", "gauge", "The served variant (always 1).")
    w.sample("tf2aif_model_info", 1, variant=config.name, platform=config.platform, runtime=config.runtime,
             precision=config.precision, mode=config.mode, executed_with=description)
    with stats.locked():
        w.family("tf2aif_requests_total", "counter", "Inference requests received.")
        w.sample("tf2aif_requests_total", stats.requests)
        w.family("tf2aif_request_failures_total", "counter", "Inference requests that failed, by HTTP status.")
        for status, count in sorted(stats.failures.items()):
            w.sample("tf2aif_request_failures_total", count, code=str(status))
        w.family("tf2aif_inferences_total", "counter", "Samples inferred (a request of batch 4 counts 4).")
        w.sample("tf2aif_inferences_total", stats.inferences)
        w.family("tf2aif_executions_total", "counter", "Runtime calls (THR mode runs several requests per call).")
        w.sample("tf2aif_executions_total", stats.executions)
        w.family("tf2aif_request_duration_seconds", "histogram", "Successful inference requests, from the first body byte read to the response built.")
        w.histogram("tf2aif_request_duration_seconds", stats.request_seconds)
        w.family("tf2aif_request_stage_seconds", "histogram", "Time per stage of successful requests: " + ", ".join(STAGES) + ".")
        for stage in STAGES:
            w.histogram("tf2aif_request_stage_seconds", stats.stages[stage], stage=stage)
        w.family("tf2aif_request_batch_size", "histogram", "Samples per request, as clients sent them.")
        w.histogram("tf2aif_request_batch_size", stats.request_batch)
        w.family("tf2aif_execution_batch_size", "histogram", "Samples per runtime call, after server-side batching.")
        w.histogram("tf2aif_execution_batch_size", stats.execution_batch)
    w.family("tf2aif_queue_depth", "gauge", "Requests waiting for the THR batcher.")
    w.sample("tf2aif_queue_depth", queue_depth)
    w.family("tf2aif_requests_in_flight", "gauge", "HTTP requests being handled now (this scrape included).")
    w.sample("tf2aif_requests_in_flight", in_flight)
    return "\n".join(w.lines) + "\n"
