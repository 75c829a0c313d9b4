"""Vitis AI compile: the power-of-two QDQ model (quantizers/vitis_pow2.py) to a DPU .xmodel, inside a Vitis AI image.

The Vitis AI compiler ships only in AMD's Docker images, so it runs there, driven through the Docker Engine API
(stdlib HTTP over the engine's unix socket, or plain tcp://): no docker CLI or SDK is needed. The model goes into
the container and the results come back as tar archives (the engine's /containers/{id}/archive) instead of bind
mounts, so a remote DOCKER_HOST works too. Inside, `compile.sh` activates the image's conda environment, checks
that the arch.json of the platform's DPU exists, and runs `vai_c_xir` on the model; its .xmodel comes back.

Settings (environment):
- TF2AIF_VITIS_AI_IMAGE (required): a Vitis AI image present in the engine, e.g. xilinx/vitis-ai-tensorflow2-cpu:3.5.
  Nothing is pulled: registries are often unreachable from build machines, and a pull can take many minutes.
- the job's dockerHost: the engine (the plugin reads DOCKER_HOST, else the default socket: image/docker-engine.ts).
- TF2AIF_VITIS_AI_ARCH: another arch.json inside the image, e.g. TF2AIF's U280_L low-latency DPU,
  /opt/vitis_ai/compiler/arch/DPUCAHX8L/U280/arch.json (Vitis AI <= 2.0 images).
- TF2AIF_VITIS_AI_COMPILE: another compile command (bash, with $TF2AIF_MODEL, $TF2AIF_ARCH, $TF2AIF_OUT, $TF2AIF_NET),
  for images whose compiler takes the QDQ ONNX model another way than `vai_c_xir -x`.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import socket
import tarfile
import time
from pathlib import Path, PurePosixPath
from urllib.parse import quote, urlencode

from ..errors import ToolchainError
from ..job import Job
from ..progress import log

IMAGE_ENV = "TF2AIF_VITIS_AI_IMAGE"
ARCH_ENV = "TF2AIF_VITIS_AI_ARCH"
COMMAND_ENV = "TF2AIF_VITIS_AI_COMPILE"
EXAMPLE_IMAGE = "xilinx/vitis-ai-tensorflow2-cpu:3.5"
ARCH_ROOT = "/opt/vitis_ai/compiler/arch"
COMPILE_TIMEOUT_S = 3600  # a large model on a small host can take tens of minutes
LOG_FILE = "compile.log"

# The DPU of each platform and its arch.json in the image (Alveo U280: the HBM high-throughput DPUCAHX8H, which
# Vitis AI 3.x still ships; TF2AIF's default U280_L is the older low-latency DPUCAHX8L, see TF2AIF_VITIS_AI_ARCH).
DPU_TARGETS = {
    "alveo": {"dpu": "DPUCAHX8H", "board": "Alveo U280", "archJson": f"{ARCH_ROOT}/DPUCAHX8H/U280/arch.json"},
    "versal": {"dpu": "DPUCVDX8G", "board": "Versal VCK190", "archJson": f"{ARCH_ROOT}/DPUCVDX8G/VCK190/arch.json"},
    "zynq": {"dpu": "DPUCZDX8G", "board": "Zynq UltraScale+ ZCU104", "archJson": f"{ARCH_ROOT}/DPUCZDX8G/ZCU104/arch.json"},
}

WORK = "/tf2aif"
DEFAULT_COMMAND = 'vai_c_xir -x "$TF2AIF_MODEL" -a "$TF2AIF_ARCH" -o "$TF2AIF_OUT" -n "$TF2AIF_NET"'
# exit codes compile.sh uses for what it checks itself
EXIT_NO_ARCH, EXIT_NO_COMPILER = 64, 65
COMPILE_SH = f"""#!/bin/bash
set -u
# Vitis AI images keep the compiler in a conda environment
if [ -f /opt/vitis_ai/conda/etc/profile.d/conda.sh ]; then
  . /opt/vitis_ai/conda/etc/profile.d/conda.sh
  for env in vitis-ai-tensorflow2 vitis-ai-pytorch vitis-ai-tensorflow vitis-ai-onnx; do
    conda activate "$env" 2>/dev/null && break
  done
fi
if [ ! -f "$TF2AIF_ARCH" ]; then
  echo "tf2aif: $TF2AIF_ARCH is not in this image; it has:"
  ls {ARCH_ROOT}/*/*/arch.json 2>/dev/null || echo "  (no {ARCH_ROOT})"
  exit {EXIT_NO_ARCH}
fi
if [ -z "${{TF2AIF_COMMAND_SET:-}}" ] && ! command -v vai_c_xir >/dev/null; then
  echo "tf2aif: vai_c_xir is not on PATH in this image"
  exit {EXIT_NO_COMPILER}
fi
mkdir -p "$TF2AIF_OUT"
eval "$TF2AIF_COMMAND"
"""


def dpu_target(platform: str) -> dict:
    target = DPU_TARGETS.get(platform)
    if target is None:
        raise ToolchainError(f"Vitis AI DPU targets are {', '.join(DPU_TARGETS)}; platform {platform!r} has none")
    return target


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Engine:
    """The few Docker Engine API calls a compile needs."""

    def __init__(self, host: str) -> None:
        self.host = host
        if host.startswith("unix://"):
            self._connect = lambda timeout: _UnixConnection(host[len("unix://") :], timeout)
        elif host.startswith("tcp://"):
            if os.environ.get("DOCKER_TLS_VERIFY"):
                raise ToolchainError(f"DOCKER_HOST {host} needs TLS, which tf2aif does not speak: use the engine's unix socket")
            self._connect = lambda timeout: http.client.HTTPConnection(host[len("tcp://") :], timeout=timeout)
        else:
            raise ToolchainError(f"DOCKER_HOST {host!r}: tf2aif talks to unix:// and tcp:// engines only")

    def call(self, method: str, path: str, body: bytes | dict | None = None, timeout: float | None = 60) -> tuple[int, bytes]:
        headers = {}
        if isinstance(body, dict):
            body, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif body is not None:
            headers["Content-Type"] = "application/x-tar"
        conn = self._connect(timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def ping(self) -> None:
        try:
            status, _ = self.call("GET", "/_ping", timeout=10)
        except OSError as e:
            raise ToolchainError(
                f"the Docker Engine at {self.host} is unreachable ({e}): start it, or make DOCKER_HOST point at a running engine "
                f"that holds the Vitis AI image named by {IMAGE_ENV}"
            ) from e
        if status != 200:
            raise ToolchainError(f"the Docker Engine at {self.host} answered /_ping with HTTP {status}: is it a Docker Engine?")

    def image(self, name: str) -> dict:
        status, data = self.call("GET", f"/images/{quote(name, safe='/:@')}/json")
        if status == 404:
            raise ToolchainError(
                f"the Vitis AI image {name!r} ({IMAGE_ENV}) is not present in the Docker Engine at {self.host}: "
                f"`docker pull {name}` it on a machine with registry access (and `docker save` / `docker load` it here), "
                "or set the variable to an image the engine has (tf2aif does not pull)"
            )
        _check(status, data, f"inspecting image {name}")
        return json.loads(data)

    def run(self, image: str, files: bytes, env: dict[str, str], fetch: str) -> tuple[int, str, bytes]:
        """Create a container, copy `files` (a tar) into /, run it to the end; (exit code, log, tar of `fetch`)."""
        spec = {
            "Image": image,
            "Entrypoint": ["/bin/bash"],
            "Cmd": [f"{WORK}/compile.sh"],
            "Env": [f"{k}={v}" for k, v in env.items()],
            "WorkingDir": WORK,
            "HostConfig": {"NetworkMode": "none"},  # the compile needs no network
        }
        status, data = self.call("POST", "/containers/create", spec)
        _check(status, data, "creating the compile container")
        cid = json.loads(data)["Id"]
        try:
            _check(*self.call("PUT", f"/containers/{cid}/archive?{urlencode({'path': '/'})}", files), "copying the model in")
            _check(*self.call("POST", f"/containers/{cid}/start"), "starting the compile container")
            status, data = self.call("POST", f"/containers/{cid}/wait", timeout=COMPILE_TIMEOUT_S)
            _check(status, data, "waiting for the compiler")
            code = int(json.loads(data).get("StatusCode", -1))
            status, data = self.call("GET", f"/containers/{cid}/logs?stdout=1&stderr=1")
            _check(status, data, "reading the compiler's log")
            logs = demux_logs(data)
            status, archive = self.call("GET", f"/containers/{cid}/archive?{urlencode({'path': fetch})}", timeout=600)
            return code, logs, archive if status == 200 else b""
        finally:
            try:
                self.call("DELETE", f"/containers/{cid}?force=1")
            except OSError as e:  # the result matters more than the cleanup
                log(f"could not remove compile container {cid[:12]}: {e}")


def _check(status: int, data: bytes, what: str) -> None:
    if status >= 300:
        try:
            message = json.loads(data).get("message", "")
        except ValueError:
            message = data[:300].decode(errors="replace")
        raise ToolchainError(f"Docker Engine error while {what}: HTTP {status} {message}".rstrip())


def demux_logs(data: bytes) -> str:
    """A non-TTY container's log stream: frames of [stream, 0, 0, 0, size (4 bytes, big endian)] + payload."""
    chunks, i = [], 0
    while i + 8 <= len(data) and data[i] in (0, 1, 2) and data[i + 1 : i + 4] == b"\0\0\0":
        size = int.from_bytes(data[i + 4 : i + 8], "big")
        chunks.append(data[i + 8 : i + 8 + size])
        i += 8 + size
    return (b"".join(chunks) if chunks else data).decode(errors="replace")


def _tar(entries: dict[str, tuple[bytes | None, int]]) -> bytes:
    """A tar of path -> (content, mode); None content is a folder."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, (content, mode) in entries.items():
            info = tarfile.TarInfo(name)
            info.mode, info.mtime = mode, int(time.time())
            if content is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def extract_files(archive: bytes, out_dir: Path) -> list[str]:
    """The regular files of a tar, flattened into out_dir (no path from the archive is trusted)."""
    names = []
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            name = PurePosixPath(member.name).name
            if member.isfile() and name and name not in (".", ".."):
                (out_dir / name).write_bytes(tar.extractfile(member).read())
                names.append(name)
    return names


def _image_name() -> str:
    image = os.environ.get(IMAGE_ENV, "").strip()
    if not image:
        raise ToolchainError(
            f"the Vitis AI compile runs in a Vitis AI Docker image and {IMAGE_ENV} is not set: set it to a local image "
            f"such as {EXAMPLE_IMAGE} (`docker pull` it on a machine with registry access), and make DOCKER_HOST point "
            "at a running Docker Engine that has it"
        )
    return image


def compile(job: Job, artifact_dir: Path, meta: dict, out_dir: Path) -> dict:  # noqa: A001 (the adapter contract's name)
    target = dpu_target(job.require("platform", str))
    model = artifact_dir / meta["artifact"]
    if meta.get("format") != "onnx-qdq" or not model.is_file():
        raise ToolchainError(f"{artifact_dir} holds no power-of-two QDQ ONNX model: the Vitis AI compile takes the vitis_pow2 quantizer's output")
    image = _image_name()
    engine = Engine(job.require("dockerHost", str))
    engine.ping()
    info = engine.image(image)

    arch = os.environ.get(ARCH_ENV) or target["archJson"]
    net = re.sub(r"[^A-Za-z0-9_]", "_", job.require("variant", str))
    command = os.environ.get(COMMAND_ENV)
    env = {
        "TF2AIF_MODEL": f"{WORK}/in/{model.name}",
        "TF2AIF_ARCH": arch,
        "TF2AIF_OUT": f"{WORK}/out",
        "TF2AIF_NET": net,
        "TF2AIF_COMMAND": command or DEFAULT_COMMAND,
        **({"TF2AIF_COMMAND_SET": "1"} if command else {}),
    }
    files = _tar(
        {
            "tf2aif": (None, 0o777),
            "tf2aif/compile.sh": (COMPILE_SH.encode(), 0o755),
            "tf2aif/in": (None, 0o755),
            f"tf2aif/in/{model.name}": (model.read_bytes(), 0o644),
            "tf2aif/out": (None, 0o777),  # writable whatever user the image runs as
        }
    )
    log(f"compiling for {target['dpu']} ({target['board']}) with {arch} in {image}")
    code, logs, archive = engine.run(image, files, env, f"{WORK}/out")
    (out_dir / LOG_FILE).write_text(logs)
    tail = "\n".join(logs.strip().splitlines()[-15:])
    if code == EXIT_NO_ARCH:
        raise ToolchainError(f"{image} has no {arch} for the {target['dpu']} DPU; set {ARCH_ENV} to one it has:\n{tail}")
    if code == EXIT_NO_COMPILER:
        raise ToolchainError(f"{image} has no vai_c_xir: use a Vitis AI image with the compiler (e.g. {EXAMPLE_IMAGE}) or set {COMMAND_ENV}")
    if code != 0:
        raise ToolchainError(f"the Vitis AI compiler failed (exit {code}) in {image}; last lines (full log in {LOG_FILE}):\n{tail}")
    produced = extract_files(archive, out_dir) if archive else []
    xmodels = sorted(n for n in produced if n.endswith(".xmodel"))
    if not xmodels:
        raise ToolchainError(f"the Vitis AI compiler exited 0 but wrote no .xmodel (it wrote {produced or 'nothing'}); see {LOG_FILE}:\n{tail}")
    return {
        "artifact": f"{net}.xmodel" if f"{net}.xmodel" in xmodels else xmodels[0],
        "format": "xmodel",
        "dpu": {**target, "archJson": arch},
        "image": image,
        "imageId": info.get("Id"),
        "input": meta["artifact"],
        "files": produced,
        "log": LOG_FILE,
        "toolchain": {"vitis-ai-image": image},
    }
