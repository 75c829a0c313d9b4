"""The warm protocol on a Unix socket. Request: a 4-byte length with the caller's stdin/stdout/stderr attached
(SCM_RIGHTS), then that many bytes of JSON {module, argv, cwd, env, umask}. Replies: JSON lines, {"pid": n} once
the child runs, then {"exit": code} or {"signal": number}."""

from __future__ import annotations

import json
import os
import socket
import struct

MAX_REQUEST = 4 * 1024 * 1024
STDIO = (0, 1, 2)


def send_request(conn: socket.socket, request: dict) -> None:
    body = json.dumps(request).encode()
    socket.send_fds(conn, [struct.pack(">I", len(body))], list(STDIO))
    conn.sendall(body)


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the caller hung up mid-request")
        data += chunk
    return data


def recv_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The request and the caller's three descriptors (the caller owns closing them on error)."""
    head, fds, _, _ = socket.recv_fds(conn, 4, len(STDIO))
    try:
        head += _read_exactly(conn, 4 - len(head)) if 0 < len(head) < 4 else b""
        if len(head) != 4 or len(fds) != len(STDIO):
            raise ConnectionError("a request without its header and three descriptors")
        (size,) = struct.unpack(">I", head)
        if size > MAX_REQUEST:
            raise ConnectionError(f"a request of {size} bytes")
        request = json.loads(_read_exactly(conn, size))
        if not isinstance(request, dict):
            raise ConnectionError("a request that is not a JSON object")
        return request, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def send_event(conn: socket.socket, event: dict) -> None:
    try:
        conn.sendall(json.dumps(event).encode() + b"\n")
    except OSError:
        pass  # the caller is gone; nothing to tell


def read_events(conn: socket.socket):
    """Yields the server's events until it closes the connection."""
    buffer = b""
    while True:
        chunk = conn.recv(4096)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)
