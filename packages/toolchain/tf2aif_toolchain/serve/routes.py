"""The Open Inference Protocol endpoints (plus Triton's config/stats and /metrics), independent of the socket code."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote

from ..progress import log
from . import metadata, prometheus
from .codec import decode_infer_request, encode_infer_response
from .errors import InferenceFailed, RequestError, not_found
from .inflight import InFlight
from .service import InferenceService
from .stats import Timings

JSON = "application/json"


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = JSON
    headers: dict[str, str] = field(default_factory=dict)


def json_response(doc: dict, status: int = 200) -> Response:
    return Response(status, json.dumps(doc, separators=(",", ":")).encode())


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps({"error": message}).encode(), headers=dict(headers or {}))


@dataclass
class Request:
    method: str  # HEAD is answered as GET
    path: str
    header: Callable[[str], str | None]
    read_body: Callable[[], bytes]


class App:
    def __init__(self, service: InferenceService) -> None:
        self.service = service
        self.config = service.config
        self.in_flight = InFlight()

    # -- helpers ---------------------------------------------------------------------------------------------
    def check_model(self, model: str, version: str | None) -> None:
        model = unquote(model)
        if model != self.config.model:
            raise not_found(f"unknown model {model!r}: this server serves {self.config.model!r} (GET /v2/models/{self.config.model})")
        if version is not None and unquote(version) != self.config.version:
            raise not_found(f"model {model!r} has no version {unquote(version)!r} (versions: [{self.config.version!r}])")

    # -- endpoints -------------------------------------------------------------------------------------------
    def live(self, req: Request) -> Response:
        return json_response({"live": True})

    def ready(self, req: Request) -> Response:
        ready = not self.in_flight.draining
        return json_response({"ready": ready}, 200 if ready else 503)

    def server_metadata(self, req: Request) -> Response:
        return json_response(metadata.server_metadata())

    def model_metadata(self, req: Request, model: str, version: str | None) -> Response:
        self.check_model(model, version)
        return json_response(metadata.model_metadata(self.config))

    def model_ready(self, req: Request, model: str, version: str | None) -> Response:
        self.check_model(model, version)
        ready = not self.in_flight.draining
        return json_response({"name": self.config.model, "ready": ready}, 200 if ready else 503)

    def model_config(self, req: Request, model: str, version: str | None) -> Response:
        self.check_model(model, version)
        return json_response(metadata.model_config(self.config, self.service.description))

    def model_stats(self, req: Request, model: str | None = None, version: str | None = None) -> Response:
        if model is not None:
            self.check_model(model, version)
        return json_response(metadata.model_statistics(self.config, self.service.stats))

    def metrics(self, req: Request) -> Response:
        text = prometheus.render(
            self.config, self.service.stats, self.service.description, self.service.scheduler.queue_depth(), self.in_flight.count
        )
        return Response(200, text.encode(), prometheus.CONTENT_TYPE)

    def infer(self, req: Request, model: str, version: str | None) -> Response:
        stats = self.service.stats
        start = time.perf_counter_ns()
        try:
            body = req.read_body()
            start = time.perf_counter_ns()  # from here on: client upload speed is not the server's time
            self.check_model(model, version)
            timings = Timings()
            request = decode_infer_request(body, req.header("Inference-Header-Content-Length"), self.config)
            timings.decode = time.perf_counter_ns() - start
            outputs = self.service.infer(request.inputs, timings)
            t0 = time.perf_counter_ns()
            payload, header_length = encode_infer_response(self.config, request, outputs)
            timings.encode = time.perf_counter_ns() - t0
        except RequestError as e:
            stats.record_failure(e.status, time.perf_counter_ns() - start)
            raise
        except InferenceFailed as e:
            stats.record_failure(500, time.perf_counter_ns() - start)
            log(f"serve: inference failed: {e}")
            raise RequestError(500, f"inference failed: {e}") from e
        stats.record_success(timings, time.perf_counter_ns() - start, next(iter(request.inputs.values())).shape[0])
        timing = {"Server-Timing": timings.server_timing()}
        if header_length is None:
            return Response(200, payload, headers=timing)
        return Response(200, payload, "application/octet-stream", {"Inference-Header-Content-Length": str(header_length), **timing})


_MODEL = r"/v2/models/(?P<model>[^/]+)(?:/versions/(?P<version>[^/]+))?"
ROUTES: list[tuple[re.Pattern, dict[str, str]]] = [
    (re.compile(p), methods)
    for p, methods in [
        (r"/v2/health/live", {"GET": "live"}),
        (r"/v2/health/ready", {"GET": "ready"}),
        (r"/v2/?", {"GET": "server_metadata"}),
        (r"/v2/models/stats", {"GET": "model_stats"}),
        (_MODEL + r"/?", {"GET": "model_metadata"}),
        (_MODEL + r"/ready", {"GET": "model_ready"}),
        (_MODEL + r"/config", {"GET": "model_config"}),
        (_MODEL + r"/stats", {"GET": "model_stats"}),
        (_MODEL + r"/infer", {"POST": "infer"}),
        (r"/metrics", {"GET": "metrics"}),
    ]
]


def handle(app: App, req: Request) -> Response:
    """Routes one request; raises RequestError for anything the client got wrong."""
    for pattern, methods in ROUTES:
        match = pattern.fullmatch(req.path)
        if match is None:
            continue
        name = methods.get(req.method)
        if name is None:
            allowed = ", ".join(sorted(methods))
            raise RequestError(405, f"{req.method} is not allowed on {req.path}: use {allowed}", headers={"Allow": allowed})
        return getattr(app, name)(req, **match.groupdict())
    raise not_found(f"no endpoint {req.path}: see GET /v2 and /v2/models/{app.config.model}")
