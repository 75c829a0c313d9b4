"""Where a warm server listens: one per interpreter, installed packages and start-up environment, in a folder only
this user can reach (whoever can connect runs code as this user)."""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import sysconfig
from pathlib import Path

# variables read when TensorFlow and its libraries load: a server started with other values would run steps in a
# process set up differently from a cold one, so they are part of the server's identity
STARTUP_ENV_PREFIXES = ("TF_", "CUDA", "NVIDIA", "XLA_", "OMP_", "KMP_", "MKL", "OPENBLAS", "ONEDNN", "DNNL", "LD_", "PYTHON")


def runtime_dir() -> Path | None:
    """The user's private folder for sockets, created 0700; None where it is not private (then steps run cold)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"
    folder = Path(base) / f"tf2aif-warm-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    private = stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and info.st_mode & 0o077 == 0
    return folder if private else None


def server_key(env: dict[str, str]) -> str:
    """What the server's preloaded state depends on: the interpreter, the installed packages (site-packages changes
    on every install or removal), where tf2aif_toolchain comes from, and the start-up environment."""
    purelib = sysconfig.get_paths()["purelib"]
    package = Path(__file__).resolve().parent.parent
    parts = [sys.executable, sys.version, purelib, str(os.stat(purelib).st_mtime_ns), str(package)]
    parts += sorted(f"{k}={v}" for k, v in env.items() if k.startswith(STARTUP_ENV_PREFIXES))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


# a Unix socket's path holds at most 107 bytes on Linux; the server first binds `.<name>.<pid>` beside it
MAX_SOCKET_PATH = 107 - len(".") - len(".4194304")


def socket_path(folder: Path, env: dict[str, str]) -> Path | None:
    """The server's socket; None where the folder's path is too long for one (then steps run cold)."""
    path = folder / f"{server_key(env)}.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None
