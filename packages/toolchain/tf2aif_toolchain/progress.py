"""Progress lines on stderr, flushed at once so Nx shows them while a long step runs."""

import sys
import time

_start = time.monotonic()


def log(message: str) -> None:
    print(f"[tf2aif {time.monotonic() - _start:6.1f}s] {message}", file=sys.stderr, flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return round(time.perf_counter() - self.start, 3)
