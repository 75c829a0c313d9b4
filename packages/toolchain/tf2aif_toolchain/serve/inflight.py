"""Counts requests being handled, so SIGTERM can wait for them; once draining, new ones get 503."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import RequestError


class InFlight:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.count = 0
        self.draining = False

    @contextmanager
    def request(self) -> Iterator[None]:
        with self._cond:
            if self.draining:
                # a kept-alive connection may still send one: tell it to go elsewhere, and close
                raise RequestError(503, "the server is shutting down", close=True)
            self.count += 1
        try:
            yield
        finally:
            with self._cond:
                self.count -= 1
                self._cond.notify_all()

    def drain(self, timeout: float) -> int:
        """Refuses new requests, waits up to `timeout` s for the running ones; -> how many are still running."""
        with self._cond:
            self.draining = True
            self._cond.wait_for(lambda: self.count == 0, timeout)
            return self.count
