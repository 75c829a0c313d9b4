"""Errors a request can end in: each carries the HTTP status and a message for the client."""

from __future__ import annotations


class RequestError(Exception):
    """A request the server refuses: answered with `status` and {"error": message}; the server carries on."""

    def __init__(self, status: int, message: str, *, close: bool = False, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # True when the connection cannot be reused (e.g. an unread body)
        self.headers = headers or {}


def bad_request(message: str) -> RequestError:
    return RequestError(400, message)


def not_found(message: str) -> RequestError:
    return RequestError(404, message)


class InferenceFailed(Exception):
    """The runtime or a processing hook raised: answered with 500; the server stays up."""
