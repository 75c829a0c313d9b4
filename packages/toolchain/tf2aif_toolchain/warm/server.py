"""python -m tf2aif_toolchain.warm.server --socket PATH --idle SECONDS

Imports TensorFlow once, then serves step requests (wire.py) by forking a child per request: the child takes the
caller's stdio, cwd, environment and umask, forgets tf2aif's own modules (they load fresh from disk, so an edited
toolchain is what runs) and runs the requested module as `python -m` would. The server reports the child's pid and
exit status, terminates a child whose caller hung up (killed by Nx, say), and exits after --idle seconds without
work. It never runs TensorFlow itself: a process that ran ops cannot be forked safely, one that imported can."""

from __future__ import annotations

import argparse
import gc
import os
import selectors
import signal
import socket
import struct
import sys
import time
import traceback
from pathlib import Path

from .run_module import run_module
from .wire import recv_request, send_event

# what a request may run: the toolchain's entry point, and the probe the tests and `--check` use
RUNNABLE = {"tf2aif_toolchain", "tf2aif_toolchain.warm.probe"}
KILL_GRACE_S = 5.0


def preload() -> None:
    from .. import env  # noqa: PLC0415 (sets the process settings TensorFlow reads at import)

    env.import_tensorflow()
    # what is loaded now lives as long as the server: out of the collector's sight, so that no child's collections
    # walk (and copy-on-write touch) TensorFlow's objects
    gc.freeze()


class Child:
    def __init__(self, conn: socket.socket):
        self.conn = conn
        self.kill_at: float | None = None


class Server:
    def __init__(self, path: Path, idle_s: float):
        self.path = path
        self.idle_s = idle_s
        self.children: dict[int, Child] = {}
        self.selector = selectors.DefaultSelector()
        self.last_busy = time.monotonic()
        self.stopping = False

    def listen(self) -> None:
        # bound at a private name, then renamed into place: a caller never connects to a half-started server, and
        # two servers racing for one key leave one reachable (the other idles out)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.unlink(missing_ok=True)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(tmp))
        self.listener.listen(64)
        os.replace(tmp, self.path)
        self.inode = self.path.stat().st_ino
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so that SIGCHLD writes to the wakeup pipe
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")

    def _stop(self, *_) -> None:
        self.stopping = True

    def serve(self) -> None:
        try:
            self._loop()
        finally:
            self.close()

    def _loop(self) -> None:
        while not self.stopping:
            for key, _ in self.selector.select(timeout=1.0):
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    while True:
                        try:
                            if not os.read(self.wake_r, 512):
                                break
                        except BlockingIOError:
                            break
                else:
                    self._caller_gone(key.data)
            self._reap()
            self._kill_overdue()
            if self.children:
                self.last_busy = time.monotonic()
            elif time.monotonic() - self.last_busy > self.idle_s:
                break

    def close(self) -> None:
        try:
            if self.path.stat().st_ino == self.inode:  # still ours, not a newer server's
                self.path.unlink()
        except OSError:
            pass
        for pid in list(self.children):
            _signal(pid, signal.SIGTERM)

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        try:
            creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
            if struct.unpack("3i", creds)[1] != os.getuid():
                conn.close()
                return
            conn.settimeout(10)
            request, fds = recv_request(conn)
        except (OSError, ValueError) as e:
            print(f"tf2aif warm: refused a request: {e}", file=sys.stderr, flush=True)
            conn.close()
            return
        if request.get("module") not in RUNNABLE:
            print(f"tf2aif warm: refused to run {request.get('module')!r}", file=sys.stderr, flush=True)
            for fd in fds:
                os.close(fd)
            conn.close()
            return
        pid = os.fork()
        if pid == 0:
            self._become_child(request, fds, conn)
        for fd in fds:
            os.close(fd)
        self.children[pid] = Child(conn)
        self.selector.register(conn, selectors.EVENT_READ, pid)
        send_event(conn, {"pid": pid})

    def _become_child(self, request: dict, fds: list[int], conn: socket.socket) -> None:
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            for sig in (signal.SIGCHLD, signal.SIGTERM):
                signal.signal(sig, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.selector.close()
            # the server's descriptors are not the step's (detach: the socket objects must not close a reused number)
            for sock in (self.listener, conn, *(c.conn for c in self.children.values())):
                os.close(sock.detach())
            os.close(self.wake_r)
            os.close(self.wake_w)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.chdir(request["cwd"])
            os.umask(int(request["umask"]))
            os.environ.clear()
            os.environ.update(request["env"])
            for name in [m for m in sys.modules if m == "tf2aif_toolchain" or m.startswith("tf2aif_toolchain.")]:
                del sys.modules[name]
            sys.path[0] = request["cwd"]
            sys.argv = [request["module"], *request["argv"]]
            code = run_module(request["module"])
        except BaseException:  # noqa: BLE001 (the child must never return into the server's loop)
            traceback.print_exc()
        finally:
            os._exit(code)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            if child.kill_at is None:  # else unregistered when its caller went
                self.selector.unregister(child.conn)
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
            send_event(child.conn, {"signal": sig} if sig is not None else {"exit": os.waitstatus_to_exitcode(status)})
            child.conn.close()

    def _caller_gone(self, pid: int) -> None:
        child = self.children.get(pid)
        if child is None or child.kill_at is not None:
            return
        try:
            alive = child.conn.recv(1, socket.MSG_PEEK)
        except OSError:
            alive = b""
        if alive:
            return
        # the caller died (Nx killed the task): its step must not go on writing
        self.selector.unregister(child.conn)
        _signal(pid, signal.SIGTERM)
        child.kill_at = time.monotonic() + KILL_GRACE_S

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for pid, child in self.children.items():
            if child.kill_at is not None and now > child.kill_at:
                _signal(pid, signal.SIGKILL)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def main() -> int:
    parser = argparse.ArgumentParser(prog="tf2aif_toolchain.warm.server")
    parser.add_argument("--socket", type=Path, required=True)
    parser.add_argument("--idle", type=float, required=True, help="seconds without work before it exits (the client decides)")
    args = parser.parse_args()
    starting = args.socket.with_name(args.socket.name + ".starting")
    preload()
    server = Server(args.socket, args.idle)
    server.listen()
    starting.unlink(missing_ok=True)
    print(f"tf2aif warm: pid {os.getpid()} serving on {args.socket}", file=sys.stderr, flush=True)
    server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
