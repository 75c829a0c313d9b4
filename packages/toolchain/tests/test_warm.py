"""The warm toolchain (tf2aif_toolchain.warm): a step run through it behaves as the same step run cold, in a child of
a server that imported TensorFlow once; a caller that is killed takes its step with it."""

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tf2aif_toolchain.warm import address
from tf2aif_toolchain.warm.wire import read_events, send_request

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
PROBE = "import sys; from tf2aif_toolchain.warm.client import main; sys.exit(main('tf2aif_toolchain.warm.probe', sys.argv[1:]))"

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="warm steps are Linux only (fork, SCM_RIGHTS)")


def _env(runtime: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("TF2AIF_WARM",)}
    env.update({"XDG_RUNTIME_DIR": str(runtime), "PYTHONPATH": str(PACKAGE_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "TF2AIF_WARM_IDLE": "30", **extra})
    return env


def _probe(env: dict, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PROBE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def _facts(run: subprocess.CompletedProcess) -> dict:
    return json.loads(run.stdout.splitlines()[0])


def _server_pid(folder: Path) -> int:
    """The pid the live server logged (`tf2aif warm: pid N serving on ...`)."""
    for log in folder.glob("*.log"):
        pids = [int(line.split()[3]) for line in log.read_text().splitlines() if line.startswith("tf2aif warm: pid ")]
        if pids and _alive(pids[-1]):
            return pids[-1]
    raise AssertionError(f"no server in {list(folder.iterdir())}")


def _wait(check, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            raise AssertionError("timed out")
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is gone for our purpose
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


@pytest.fixture
def short_tmp():
    """A folder with a short path: pytest's tmp paths grow with its run count, and a socket path holds 107 bytes."""
    with tempfile.TemporaryDirectory(prefix="w", dir="/tmp") as folder:
        yield Path(folder)


@pytest.fixture(scope="module")
def warm():
    """A runtime folder with a warm server up, started the way a step starts one (the first step runs cold)."""
    holder = tempfile.TemporaryDirectory(prefix="w", dir="/tmp")
    runtime = Path(holder.name)
    env = _env(runtime)
    first = _probe(env, "--exit", "0")
    assert first.returncode == 0, first.stderr
    assert _facts(first)["tensorflowLoaded"] is False  # cold: this process imported nothing
    folder = runtime / f"tf2aif-warm-{os.getuid()}"
    _wait(lambda: any(folder.glob("*.sock")))
    yield runtime, env, folder
    pid = _server_pid(folder)
    os.kill(pid, signal.SIGTERM)
    _wait(lambda: not _alive(pid), 10)
    holder.cleanup()


def test_a_warm_step_gets_the_callers_stdio_cwd_env_argv_umask_and_exit_code(warm, tmp_path):
    _, env, folder = warm
    run = subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o027); {PROBE}", "--exit", "7", "--sleep", "0"],
        env={**env, "TF2AIF_PROBE": "from the caller"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    facts = _facts(run)
    assert run.returncode == 7
    assert facts["ppid"] == _server_pid(folder)  # forked by the server, not a process of its own
    assert facts["tensorflowLoaded"] is True
    assert facts["cwd"] == str(tmp_path)
    assert facts["argv"] == ["--exit", "7", "--sleep", "0"]
    assert facts["probe"] == "from the caller"
    assert facts["umask"] == 0o027
    assert run.stderr.strip() == "probe on stderr"


def test_a_real_step_answers_warm_as_it_does_cold(warm, tmp_path):
    _, env, _ = warm
    args = ["inspect", "--format", "keras", "--path", str(tmp_path / "missing.keras")]
    cold = subprocess.run([sys.executable, "-m", "tf2aif_toolchain", *args], env=env, capture_output=True, text=True, timeout=120)
    hot = subprocess.run([sys.executable, "-m", "tf2aif_toolchain.warm", *args], env=env, capture_output=True, text=True, timeout=120)
    assert cold.returncode == hot.returncode == 2
    assert "tf2aif error:" in cold.stderr
    assert [line for line in hot.stderr.splitlines() if line.startswith("tf2aif error:")] == [
        line for line in cold.stderr.splitlines() if line.startswith("tf2aif error:")
    ]


def _start_sleeper(env: dict) -> tuple[subprocess.Popen, int]:
    caller = subprocess.Popen([sys.executable, "-c", PROBE, "--sleep", "60"], env=env, stdout=subprocess.PIPE, text=True)
    facts = json.loads(caller.stdout.readline())
    assert facts["tensorflowLoaded"] is True
    return caller, facts["pid"]


def test_a_signal_to_the_caller_reaches_the_step_and_ends_both(warm):
    _, env, _ = warm
    caller, step = _start_sleeper(env)
    caller.send_signal(signal.SIGTERM)
    assert caller.wait(timeout=10) == -signal.SIGTERM  # the caller ends as the step did: by the signal
    _wait(lambda: not _alive(step), 10)


def test_a_killed_caller_takes_its_step_with_it(warm):
    _, env, _ = warm
    caller, step = _start_sleeper(env)
    caller.kill()  # as Nx kills a task's process tree: nothing runs in the caller to pass it on
    caller.wait(timeout=10)
    _wait(lambda: not _alive(step), 15)


def test_the_server_runs_nothing_but_the_toolchain(warm):
    _, env, folder = warm
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(str(next(folder.glob("*.sock"))))
        send_request(conn, {"module": "os", "argv": [], "cwd": "/", "env": {}, "umask": 0o22})
        assert list(read_events(conn)) == []  # closed without starting anything


def test_no_server_where_the_socket_folder_is_not_private(tmp_path):
    folder = tmp_path / f"tf2aif-warm-{os.getuid()}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert address.runtime_dir() is None or os.environ.get("XDG_RUNTIME_DIR") != str(tmp_path)
    env = _env(tmp_path)
    for _ in range(2):
        run = _probe(env)
        assert run.returncode == 0 and _facts(run)["tensorflowLoaded"] is False
    assert list(folder.iterdir()) == []


def test_a_socket_path_too_long_for_linux_runs_cold(tmp_path):
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    run = _probe(_env(deep))
    assert run.returncode == 0 and _facts(run)["tensorflowLoaded"] is False
    assert not any((deep / f"tf2aif-warm-{os.getuid()}").glob("*.starting"))


def test_off_with_TF2AIF_WARM_0_and_an_idle_server_goes_away(short_tmp):
    tmp_path = short_tmp
    env = _env(tmp_path, TF2AIF_WARM="0")
    assert _probe(env).returncode == 0
    assert not (tmp_path / f"tf2aif-warm-{os.getuid()}").exists()
    env = _env(tmp_path, TF2AIF_WARM_IDLE="1")
    assert _probe(env).returncode == 0
    folder = tmp_path / f"tf2aif-warm-{os.getuid()}"
    _wait(lambda: any(folder.glob("*.sock")))
    _wait(lambda: not any(folder.glob("*.sock")), 30)  # idle for a second: it exits and removes its socket
