"""The caller's side of a warm step: hand the step to a warm server, or run it here (cold) and start a server for
the next one. Imports nothing heavy: it is the process every step starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from . import address
from .run_module import run_module
from .wire import read_events, send_request

STARTING_STALE_S = 120.0  # a server that has not come up by then failed to (its log says why); try again
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def enabled() -> bool:
    return sys.platform == "linux" and os.environ.get("TF2AIF_WARM", "1") != "0"


def connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
        return conn
    except OSError:
        conn.close()
        return None


def start_server(path: Path) -> None:
    """In the background, detached from this step (it outlives it); at most one start per key at a time."""
    starting = path.with_name(path.name + ".starting")
    try:
        if time.time() - starting.stat().st_mtime < STARTING_STALE_S:
            return
        starting.unlink()
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(starting, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return
    idle = os.environ.get("TF2AIF_WARM_IDLE", "60")
    with open(path.with_suffix(".log"), "ab") as log:
        subprocess.Popen(
            [sys.executable, "-m", "tf2aif_toolchain.warm.server", "--socket", str(path), "--idle", idle],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
            close_fds=True,
        )


def run_warm(conn: socket.socket, path: Path, module: str, argv: list[str]) -> int | None:
    """Runs the step in the server's child and returns as that child did: its exit code, or its signal re-raised;
    None where the server never started it (it was exiting, idle, as this connected): then it is run cold."""
    umask = os.umask(0)
    os.umask(umask)
    try:
        send_request(conn, {"module": module, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ), "umask": umask})
    except OSError:
        return None
    child: dict[str, int | None] = {"pid": None}

    def forward(sig, _frame):
        if child["pid"] is not None:
            try:
                os.kill(child["pid"], sig)
            except ProcessLookupError:
                pass

    before = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        for event in read_events(conn):
            if "pid" in event:
                child["pid"] = int(event["pid"])
            elif "exit" in event:
                return int(event["exit"])
            elif "signal" in event:
                signal.signal(int(event["signal"]), signal.SIG_DFL)
                os.kill(os.getpid(), int(event["signal"]))
                return 128 + int(event["signal"])
    except OSError:
        pass
    if child["pid"] is None:
        for sig, handler in before.items():
            signal.signal(sig, handler)
        return None
    print(
        f"tf2aif: the warm toolchain server ended before the step did (its log: {path.with_suffix('.log')}); "
        "TF2AIF_WARM=0 runs every step in its own process",
        file=sys.stderr,
        flush=True,
    )
    return 1


def run_cold(module: str, argv: list[str]) -> int:
    sys.argv = [module, *argv]
    return run_module(module)


def main(module: str, argv: list[str]) -> int:
    folder = address.runtime_dir() if enabled() else None
    if folder is None:
        return run_cold(module, argv)
    path = address.socket_path(folder, dict(os.environ))
    conn = connect(path) if path else None
    if path is None:
        return run_cold(module, argv)
    if conn is None:
        start_server(path)
        return run_cold(module, argv)
    with conn:
        code = run_warm(conn, path, module, argv)
    return run_cold(module, argv) if code is None else code
