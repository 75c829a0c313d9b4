"""GET /metrics: the statistics in Prometheus' text exposition format, written by prometheus_client.

The request path keeps updating our own Stats (one lock, a few additions); prometheus_client only renders a
snapshot of them when scraped (a custom collector), so the library adds nothing to an inference.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from .config import VariantConfig
from .stats import STAGES, Histogram, Stats

CONTENT_TYPE = CONTENT_TYPE_LATEST


class _Snapshot:
    """A one-scrape collector: generate_latest() only needs collect()."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def _histogram(name: str, help_text: str, base: list[str], rows: list[tuple[list[str], Histogram]], extra: list[str]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, help_text, labels=[*base, *extra])
    for values, h in rows:
        family.add_metric(values, buckets=h.cumulative(), sum_value=h.total)
    return family


def render(config: VariantConfig, stats: Stats, description: str, queue_depth: int, in_flight: int) -> str:
    base_names = ["model", "version"]
    base = [config.model, config.version]
    info = GaugeMetricFamily(
        "tf2aif_model_info",
        "The served variant (always 1).",
        labels=[*base_names, "variant", "platform", "runtime", "precision", "mode", "executed_with"],
    )
    info.add_metric([*base, config.name, config.platform, config.runtime, config.precision, config.mode, description], 1)
    families: list[Metric] = [info]
    with stats.locked():
        requests = CounterMetricFamily("tf2aif_requests_total", "Inference requests received.", labels=base_names)
        requests.add_metric(base, stats.requests)
        failures = CounterMetricFamily(
            "tf2aif_request_failures_total", "Inference requests that failed, by HTTP status.", labels=[*base_names, "code"]
        )
        for status, count in sorted(stats.failures.items()):
            failures.add_metric([*base, str(status)], count)
        inferences = CounterMetricFamily("tf2aif_inferences_total", "Samples inferred (a request of batch 4 counts 4).", labels=base_names)
        inferences.add_metric(base, stats.inferences)
        executions = CounterMetricFamily("tf2aif_executions_total", "Runtime calls (THR mode runs several requests per call).", labels=base_names)
        executions.add_metric(base, stats.executions)
        families += [
            requests,
            failures,
            inferences,
            executions,
            _histogram(
                "tf2aif_request_duration_seconds",
                "Successful inference requests, from the first body byte read to the response built.",
                base_names,
                [(base, stats.request_seconds)],
                [],
            ),
            _histogram(
                "tf2aif_request_stage_seconds",
                "Time per stage of successful requests: " + ", ".join(STAGES) + ".",
                base_names,
                [([*base, stage], stats.stages[stage]) for stage in STAGES],
                ["stage"],
            ),
            _histogram("tf2aif_request_batch_size", "Samples per request, as clients sent them.", base_names, [(base, stats.request_batch)], []),
            _histogram(
                "tf2aif_execution_batch_size",
                "Samples per runtime call, after server-side batching.",
                base_names,
                [(base, stats.execution_batch)],
                [],
            ),
        ]
    queue = GaugeMetricFamily("tf2aif_queue_depth", "Requests waiting for the THR batcher.", labels=base_names)
    queue.add_metric(base, queue_depth)
    flight = GaugeMetricFamily("tf2aif_requests_in_flight", "HTTP requests being handled now (this scrape included).", labels=base_names)
    flight.add_metric(base, in_flight)
    families += [queue, flight]
    return generate_latest(_Snapshot(families)).decode()
