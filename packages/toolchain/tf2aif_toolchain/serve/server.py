"""Starting and stopping the HTTP server around an InferenceService: in a thread for tests and benchmarks, and
the graceful stop the CLI runs on SIGTERM (no new connections, in-flight requests finish, bounded wait)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..progress import log
from .httpd import VariantHTTPServer
from .routes import App
from .service import InferenceService

POLL_S = 0.1  # how quickly serve_forever notices shutdown()


@dataclass
class RunningServer:
    httpd: VariantHTTPServer
    app: App
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else ("[::1]" if self.host == "::" else self.host)
        return f"http://{host}:{self.port}"

    @property
    def service(self) -> InferenceService:
        return self.app.service

    def stop(self, drain_seconds: float = 10.0) -> int:
        """Stops accepting connections, waits up to drain_seconds for in-flight requests, stops the batcher.
        -> the number of requests still running when it gave up (0: drained)."""
        self.httpd.shutdown()  # the accept loop ends; established connections keep their threads
        self.httpd.server_close()  # the listening socket closes: new connections are refused
        remaining = self.app.in_flight.drain(drain_seconds)
        self.service.close()
        self.thread.join(1)
        return remaining


def start_server(service: InferenceService, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> RunningServer:
    """Listens at once (port 0: a free port) and serves from a background thread."""
    app = App(service)
    httpd = VariantHTTPServer(host, port, app, verbose)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": POLL_S}, name="tf2aif-http", daemon=True)
    thread.start()
    return RunningServer(httpd, app, thread, host, httpd.server_address[1])


def describe(service: InferenceService) -> str:
    c = service.config
    return f"{c.name} ({c.executor} {c.precision}, {c.mode}{f', batch {c.batch_size}' if c.mode == 'THR' or c.fixed_batch else ''})"


def graceful_stop(server: RunningServer, reason: str, drain_seconds: float) -> int:
    running = server.app.in_flight.count
    log(f"serve: {reason}: no new connections; waiting up to {drain_seconds:g}s for {running} in-flight request(s)")
    remaining = server.stop(drain_seconds)
    if remaining:
        log(f"serve: {remaining} request(s) still running after {drain_seconds:g}s; exiting without them")
    else:
        log("serve: drained, stopped")
    return remaining
