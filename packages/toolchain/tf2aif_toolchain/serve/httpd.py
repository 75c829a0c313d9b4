"""The HTTP/1.1 transport (standard library only): keep-alive, body limits, JSON errors, one thread per connection."""

from __future__ import annotations

import socket
import sys
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from urllib.parse import urlsplit

from ..progress import log
from .errors import RequestError
from .routes import App, Request, Response, error_response, handle

IDLE_TIMEOUT_S = 120  # a kept-alive connection with no request for this long is closed
LINGER_S = 1.0  # after refusing a body, read (and drop) what the client still sends, so it sees our answer
LINGER_BYTES = 16 * 1024 * 1024


def _inflate(data: bytes, encoding: str, limit: int) -> bytes:
    """Content-Encoding gzip / deflate (tritonclient can send both), never inflating past the body limit."""
    inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as e:
        raise RequestError(400, f"the body is not valid {encoding} data: {e}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise RequestError(413, f"the {encoding} body inflates to more than {limit} bytes (maxBodyBytes in variant.json)")
    if not inflater.eof:
        raise RequestError(400, f"the {encoding} body is truncated")
    return out


def _as_response(error: RequestError) -> Response:
    response = error_response(error.status, error.message, error.headers)
    if error.close:
        response.headers["Connection"] = "close"
    return response


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: clients reuse one connection for many requests
    server_version = "tf2aif-serve"
    timeout = IDLE_TIMEOUT_S
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the second back
    server: VariantHTTPServer

    _body_pending = False  # the request has a body we have not read

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _dispatch(self) -> None:
        app = self.server.app
        self._body_pending = self.headers.get("Content-Length", "0") not in ("", "0") or "Transfer-Encoding" in self.headers
        method = "GET" if self.command == "HEAD" else self.command
        request = Request(method, urlsplit(self.path).path, self.headers.get, self._read_body)
        try:
            # the response is sent inside the in-flight window, so a draining shutdown waits for its last byte
            with app.in_flight.request():
                self._send(self._respond(app, request))
        except RequestError as e:  # refused because the server is draining
            self._send(_as_response(e))
        except ConnectionError:
            self.close_connection = True  # the client is gone: nobody to answer

    def _respond(self, app: App, request: Request) -> Response:
        try:
            return handle(app, request)
        except RequestError as e:
            return _as_response(e)
        except ConnectionError:
            raise
        except Exception as e:  # noqa: BLE001 (a bug must cost one request, not the server)
            log(f"serve: internal error on {self.command} {self.path}:\n{traceback.format_exc()}")
            return error_response(500, f"internal server error: {type(e).__name__}: {e}")

    def _read_body(self) -> bytes:
        limit = self.server.app.config.max_body_bytes
        if "Transfer-Encoding" in self.headers:
            raise RequestError(411, "chunked request bodies are not supported: send a Content-Length header", close=True)
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise RequestError(411, "a request body needs a Content-Length header", close=True)
        if not raw.isdigit():
            raise RequestError(400, f"Content-Length must be a non-negative integer, got {raw!r}", close=True)
        length = int(raw)
        if length > limit:
            # answered from the header alone: the body is never read into memory
            raise RequestError(
                413, f"the request body is {length} bytes; this server accepts at most {limit} (maxBodyBytes in variant.json)", close=True
            )
        data = self.rfile.read(length)
        if len(data) < length:
            raise ConnectionAbortedError("the client closed the connection mid-body")
        self._body_pending = False
        encoding = self.headers.get("Content-Encoding", "identity").strip().lower()
        if encoding in ("gzip", "deflate"):
            return _inflate(data, encoding, limit)
        if encoding != "identity":
            raise RequestError(415, f"Content-Encoding {encoding!r} is not supported: use gzip, deflate or none")
        return data

    def _discard_body(self) -> bool:
        """Reads an unread body of a refused request so the connection stays usable; False if it cannot."""
        raw = self.headers.get("Content-Length", "")
        if "Transfer-Encoding" in self.headers or not raw.isdigit() or int(raw) > self.server.app.config.max_body_bytes:
            return False
        self.rfile.read(int(raw))
        self._body_pending = False
        return True

    def _send(self, response: Response) -> None:
        close = response.headers.get("Connection") == "close"
        if self._body_pending and not close and not self._discard_body():
            close = True
            response.headers["Connection"] = "close"
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        if close:
            self.close_connection = True
            if self._body_pending:
                self._linger()

    def _linger(self) -> None:
        """Half-close, then drop what the client still sends: closing with unread data would reset the connection
        and the client could lose the error response before reading it."""
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(LINGER_S)
            deadline, dropped = time.monotonic() + LINGER_S, 0
            while dropped < LINGER_BYTES and time.monotonic() < deadline:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                dropped += len(chunk)
        except OSError:
            pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol-level errors (bad request line, headers too large, unknown method) as JSON too."""
        self._body_pending = False
        try:
            self._send(error_response(code, message or explain or "bad request", {"Connection": "close"}))
        except OSError:
            self.close_connection = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's signature)
        if self.server.verbose:
            sys.stderr.write(f"tf2aif serve: {self.address_string()} {format % args}\n")


class VariantHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client connection must not keep the process alive at exit
    allow_reuse_address = True
    request_queue_size = 128  # listen backlog: many load-generator connections may arrive at once

    def __init__(self, host: str, port: int, app: App, verbose: bool = False) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.app = app
        self.verbose = verbose
        super().__init__((host, port), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on machines without reverse DNS
        TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away: nothing to answer
        log(f"serve: connection from {client_address[0]} failed:\n{traceback.format_exc()}")
