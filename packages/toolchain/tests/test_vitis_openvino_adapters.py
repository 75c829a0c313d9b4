"""Vitis AI (power-of-two INT8, .xmodel compile) and OpenVINO adapters, on a tiny two-output Keras model."""

from __future__ import annotations

import http.server
import io
import json
import os
import socketserver
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, as `python -m pytest packages/toolchain/tests`

from job_support import make_job, random_draw
from tf2aif_toolchain import env  # noqa: F401 (TF_ENABLE_ONEDNN_OPTS before TensorFlow loads)
from tf2aif_toolchain.compilers import vitis_ai
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import Job, TensorSpec
from tf2aif_toolchain.quantizers import vitis_pow2
from tf2aif_toolchain.steps.metrics import cosine_per_sample

BATCH = 4
INPUTS = [{"name": "image", "shape": [None, 12, 12, 3], "dtype": "float32"}]


def _engine() -> str:
    """The engine the plugin names in a compile job (image/docker-engine.ts: DOCKER_HOST, else the default socket)."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def _job(workspace: Path, out: Path, **options) -> Job:
    base = {"variant": "tiny-alveo", "platform": "alveo", "batchSize": BATCH, "inputs": INPUTS, "dockerHost": _engine()}
    return make_job("test", workspace, out, {**base, **options})


def _samples(count: int, seed: int):
    return random_draw([TensorSpec.parse(INPUTS[0], "inputs[0]")], count, seed)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The tiny model through build-model, the onnx converter and the vitis_pow2 quantizer."""
    from tf2aif_toolchain.converters import onnx as onnx_converter
    from tf2aif_toolchain.env import import_tensorflow
    from tf2aif_toolchain.steps import build_model

    tf = import_tensorflow()
    root = tmp_path_factory.mktemp("tiny")
    tf.keras.utils.set_random_seed(0)
    image = tf.keras.Input(shape=(12, 12, 3), name="image")
    x = tf.keras.layers.Conv2D(8, 3, activation="relu")(image)
    x = tf.keras.layers.Conv2D(16, 3, strides=2, activation="relu")(x)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    # two outputs with different shapes: a runner that mixes up output names fails the checks below
    outputs = {"probs": tf.keras.layers.Dense(10, activation="softmax")(x), "embedding": tf.keras.layers.Dense(6)(x)}
    tf.keras.Model(image, outputs).save(root / "tiny.keras")

    model_dir = root / "model"
    build_model.run(_job(root, model_dir, model="tiny", modelDir=".", source={"format": "keras", "path": "tiny.keras"}))
    saved_model = model_dir / "saved_model"
    convert_dir = root / "convert"
    convert_dir.mkdir()
    onnx_converter.convert(_job(root, convert_dir), saved_model, convert_dir)
    quantize_dir = root / "quantize"
    quantize_dir.mkdir()
    meta = vitis_pow2.quantize(_job(root, quantize_dir), saved_model, convert_dir, _samples(32, 0), quantize_dir)
    return {"root": root, "saved_model": saved_model, "convert": convert_dir, "quantize": quantize_dir, "meta": meta}


def _ort_outputs(model: Path, batch: dict) -> dict:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, batch)))


# --- vitis_pow2 --------------------------------------------------------------------------------------------


def test_pow2_helpers_pick_powers_of_two():
    assert vitis_pow2.activation_scale(127.0) == 1.0
    assert vitis_pow2.activation_scale(127.5) == 2.0  # rounded up: no calibrated value is clipped
    assert vitis_pow2.activation_scale(0.0) == 1.0
    w = np.concatenate([np.full(1000, 0.01), [1.0]])  # one outlier: a finer grid that clips it is better
    assert vitis_pow2.activation_scale(1.0) == 2.0**-6
    assert vitis_pow2.weight_scale(w) == 2.0**-7


def test_histogram_scale_clips_a_rare_tail_to_resolve_the_bulk():
    edges = np.linspace(0.0, 8.0, 2049)
    bulk = np.zeros(2048)
    bulk[:64] = 1000.0  # |x| mostly below 0.25
    tail = bulk.copy()
    tail[-1] = 1.0  # one value near 8: rounding up to it would spend three bits on it
    assert vitis_pow2.activation_scale(8.0) == 2.0**-3
    assert vitis_pow2.histogram_scale(tail, edges) < 2.0**-3
    flat, wide = np.full(2048, 10.0), np.linspace(0.0, 5.0, 2049)  # spread evenly: clipping costs more
    assert vitis_pow2.histogram_scale(flat, wide) == vitis_pow2.activation_scale(5.0) == 2.0**-4
    assert vitis_pow2.histogram_scale(np.zeros(2048), edges) == vitis_pow2.activation_scale(8.0)


def test_calibration_falls_back_to_minmax_when_a_tensor_cannot_be_binned(tmp_path):
    """An activation spanning less than float32 resolves (subnormal here, as one of ConvNeXt's) cannot be cut into
    histogram bins by numpy; calibration then takes MinMax ranges instead of failing the quantize step."""
    import onnx
    from onnx import TensorProto, helper

    tiny = np.array([1e-40], dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Mul", ["x", "k"], ["y"])],
        "subnormal",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        [onnx.numpy_helper.from_array(tiny, "k")],
    )
    model = tmp_path / "model.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), model)
    batches = [{"x": np.array([[1, 1.5, 2], [1.25, 1.75, 2]], dtype=np.float32)}]
    histograms, ranges = vitis_pow2._calibrate(model, tmp_path, batches)
    assert histograms == {}
    assert vitis_pow2._absmax(ranges["y"].range_value) == pytest.approx(2e-40, rel=1e-2)


def test_quantized_model_scales_are_exact_powers_of_two(built):
    assert built["meta"]["method"] == vitis_pow2.METHOD_ORT  # Quark is not in this venv
    assert built["meta"]["dpu"]["dpu"] == "DPUCAHX8H" and "onnxruntime" in built["meta"]["toolchain"]
    scales = vitis_pow2.qdq_scales(built["quantize"] / "model.onnx")
    assert len(scales) >= 10  # both convs, both dense layers and their activations are quantized
    for name, scale in scales.items():
        for s in np.ravel(scale).astype(np.float64):
            mantissa, _ = np.frexp(s)
            assert s > 0 and mantissa == 0.5, f"{name}: scale {s} is not a power of two"
    assert vitis_pow2.non_pow2_scales(built["quantize"] / "model.onnx") == []


def test_quantized_model_runs_on_ort_cpu_close_to_fp32(built):
    import onnx

    graph = onnx.load(str(built["quantize"] / "model.onnx")).graph
    int8_weights = [i for i in graph.initializer if i.data_type == onnx.TensorProto.INT8]
    assert len(int8_weights) >= 4  # the weights really are int8
    batch = {"image": _samples(BATCH, 7).arrays["image"]}
    fp32 = _ort_outputs(built["convert"] / "model.onnx", batch)
    int8 = _ort_outputs(built["quantize"] / "model.onnx", batch)
    assert set(fp32) == set(int8) == {"probs", "embedding"}
    for name in fp32:
        cos = cosine_per_sample(fp32[name].reshape(BATCH, -1).astype(np.float64), int8[name].reshape(BATCH, -1).astype(np.float64))
        assert cos.min() > 0.95, f"{name}: cosine {cos}"
        assert not np.array_equal(fp32[name], int8[name])  # it did quantize


def test_quantizer_rejects_a_platform_without_dpu(built, tmp_path):
    with pytest.raises(ToolchainError, match="platform 'cpu' has none"):
        vitis_pow2.quantize(_job(tmp_path, tmp_path, platform="cpu"), built["saved_model"], built["convert"], _samples(4, 0), tmp_path)


# --- openvino ----------------------------------------------------------------------------------------------


def test_openvino_matches_tensorflow(built, tmp_path):
    from tf2aif_toolchain.converters import openvino as ov_converter
    from tf2aif_toolchain.runtimes import openvino as ov_runtime
    from tf2aif_toolchain.runtimes.tensorflow import TensorFlowRunner

    meta = ov_converter.convert(_job(tmp_path, tmp_path, platform="cpu"), built["saved_model"], tmp_path)
    assert (tmp_path / meta["artifact"] / "model.xml").is_file() and (tmp_path / meta["artifact"] / "model.bin").is_file()
    assert meta["outputs"] == ["embedding", "probs"]
    runner = ov_runtime.load(tmp_path, meta)
    assert runner.description.startswith("OpenVINO 20") and "CPU" in runner.description
    for count in (BATCH, 1):  # the IR keeps a dynamic batch
        batch = {"image": _samples(count, 3).arrays["image"]}
        want = TensorFlowRunner(built["saved_model"]).run(batch)
        got = runner.run(batch)
        assert set(got) == set(want) == {"probs", "embedding"}
        for name in want:
            assert got[name].shape == want[name].shape, name
            np.testing.assert_allclose(got[name], want[name], atol=1e-4, rtol=0, err_msg=name)


# --- vitis_ai compiler -------------------------------------------------------------------------------------


def test_compile_needs_the_image_variable(built, tmp_path, monkeypatch):
    monkeypatch.delenv(vitis_ai.IMAGE_ENV, raising=False)
    with pytest.raises(ToolchainError, match=r"TF2AIF_VITIS_AI_IMAGE is not set: set it to a local image such as xilinx/vitis-ai"):
        vitis_ai.compile(_job(tmp_path, tmp_path), built["quantize"], built["meta"], tmp_path)


def test_compile_says_when_the_engine_is_unreachable(built, tmp_path, monkeypatch):
    monkeypatch.setenv(vitis_ai.IMAGE_ENV, "xilinx/vitis-ai-tensorflow2-cpu:3.5")
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-engine.sock")
    with pytest.raises(ToolchainError, match=r"Docker Engine at unix://.*no-engine.sock is unreachable"):
        vitis_ai.compile(_job(tmp_path, tmp_path), built["quantize"], built["meta"], tmp_path)


def _real_engine_reachable() -> bool:
    try:
        vitis_ai.Engine(_engine()).ping()
    except ToolchainError:
        return False
    return True


def test_compile_says_when_the_image_is_missing_from_a_real_engine(built, tmp_path, monkeypatch):
    if not _real_engine_reachable():
        pytest.skip(f"no Docker Engine reachable at {_engine()}")
    monkeypatch.setenv(vitis_ai.IMAGE_ENV, "tf2aif-test/no-such-vitis-ai:0")
    with pytest.raises(ToolchainError, match="'tf2aif-test/no-such-vitis-ai:0' .* is not present in the Docker Engine"):
        vitis_ai.compile(_job(tmp_path, tmp_path), built["quantize"], built["meta"], tmp_path)


class _FakeEngine(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Answers the Engine API calls a compile makes; its 'container' writes one .xmodel."""

    daemon_threads = True

    def __init__(self, path: str, image: str, exit_code: int = 0) -> None:
        self.image, self.exit_code, self.calls, self.created, self.files = image, exit_code, [], None, None
        super().__init__(path, _FakeHandler)


class _FakeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet, and a unix socket has no client address
        pass

    def _reply(self, status: int, body: bytes | dict = b"") -> None:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:  # a 204 has no body, and the client may already be gone
            self.wfile.write(data)

    def _handle(self) -> None:
        engine: _FakeEngine = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        engine.calls.append(f"{self.command} {self.path.split('?')[0]}")
        if self.path == "/_ping":
            return self._reply(200, b"OK")
        if self.path.startswith("/images/"):
            found = self.path == f"/images/{engine.image}/json"
            return self._reply(200, {"Id": "sha256:feed"}) if found else self._reply(404, {"message": "No such image"})
        if self.path == "/containers/create":
            engine.created = json.loads(body)
            return self._reply(201, {"Id": "c0ffee"})
        if self.command == "PUT":
            engine.files = body
            return self._reply(200)
        if self.path.endswith("/wait"):
            return self._reply(200, {"StatusCode": engine.exit_code})
        if "/logs" in self.path:
            line = b"compiling for the DPU\n"
            return self._reply(200, b"\1\0\0\0" + len(line).to_bytes(4, "big") + line)
        if self.command == "GET" and "/archive" in self.path:
            env = dict(e.split("=", 1) for e in engine.created["Env"])
            return self._reply(200, _tar({f"out/{env['TF2AIF_NET']}.xmodel": b"xmodel", "out/meta.json": b"{}"}))
        return self._reply(204)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def fake_engine(tmp_path, monkeypatch):
    def start(image: str = "fake/vitis-ai:1", exit_code: int = 0) -> _FakeEngine:
        sock = tmp_path / "engine.sock"
        engine = _FakeEngine(str(sock), image, exit_code)
        threading.Thread(target=engine.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(engine)
        monkeypatch.setenv("DOCKER_HOST", f"unix://{sock}")
        return engine

    started: list[_FakeEngine] = []
    yield start
    for engine in started:
        engine.shutdown()
        engine.server_close()


def test_compile_says_when_the_image_is_not_present(built, tmp_path, monkeypatch, fake_engine):
    fake_engine(image="fake/vitis-ai:1")
    monkeypatch.setenv(vitis_ai.IMAGE_ENV, "fake/other:2")
    with pytest.raises(ToolchainError, match=r"image 'fake/other:2' \(TF2AIF_VITIS_AI_IMAGE\) is not present .*docker pull fake/other:2"):
        vitis_ai.compile(_job(tmp_path, tmp_path), built["quantize"], built["meta"], tmp_path)


def test_compile_runs_the_compiler_in_the_image_and_collects_the_xmodel(built, tmp_path, monkeypatch, fake_engine):
    engine = fake_engine()
    monkeypatch.setenv(vitis_ai.IMAGE_ENV, "fake/vitis-ai:1")
    monkeypatch.delenv(vitis_ai.ARCH_ENV, raising=False)
    out = tmp_path / "out"
    out.mkdir()
    meta = vitis_ai.compile(_job(tmp_path, out, platform="versal", variant="tiny-versal"), built["quantize"], built["meta"], out)
    assert meta["artifact"] == "tiny_versal.xmodel" and (out / "tiny_versal.xmodel").read_bytes() == b"xmodel"
    assert meta["dpu"]["dpu"] == "DPUCVDX8G" and (out / "compile.log").read_text() == "compiling for the DPU\n"
    container_env = dict(e.split("=", 1) for e in engine.created["Env"])
    assert container_env["TF2AIF_ARCH"] == "/opt/vitis_ai/compiler/arch/DPUCVDX8G/VCK190/arch.json"
    assert container_env["TF2AIF_COMMAND"].startswith("vai_c_xir ") and engine.created["HostConfig"]["NetworkMode"] == "none"
    with tarfile.open(fileobj=io.BytesIO(engine.files)) as tar:
        sent = tar.extractfile("tf2aif/in/model.onnx").read()
        assert tar.getmember("tf2aif/compile.sh").mode & 0o111
    assert sent == (built["quantize"] / "model.onnx").read_bytes()
    assert engine.calls[-1] == "DELETE /containers/c0ffee"  # the container is removed


def test_compile_reports_a_failing_compiler(built, tmp_path, monkeypatch, fake_engine):
    fake_engine(exit_code=vitis_ai.EXIT_NO_ARCH)
    monkeypatch.setenv(vitis_ai.IMAGE_ENV, "fake/vitis-ai:1")
    with pytest.raises(ToolchainError, match="has no /opt/vitis_ai/compiler/arch/DPUCAHX8H/U280/arch.json"):
        vitis_ai.compile(_job(tmp_path, tmp_path), built["quantize"], built["meta"], tmp_path)


def _run_compile_sh(tmp_path: Path, arch: Path) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "vai_c_xir"  # records its arguments and writes the .xmodel as the real one does
    fake.write_text('#!/bin/bash\necho "$@" > "$TF2AIF_OUT/args"\necho xmodel > "$TF2AIF_OUT/$TF2AIF_NET.xmodel"\n')
    fake.chmod(0o755)
    script = tmp_path / "compile.sh"
    script.write_text(vitis_ai.COMPILE_SH)
    script_env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "TF2AIF_MODEL": "in/model.onnx",
        "TF2AIF_ARCH": str(arch),
        "TF2AIF_OUT": str(tmp_path / "out"),
        "TF2AIF_NET": "net",
        "TF2AIF_COMMAND": vitis_ai.DEFAULT_COMMAND,
    }
    return subprocess.run(["bash", str(script)], env=script_env, capture_output=True, text=True, timeout=30)


def test_compile_script_runs_vai_c_xir_with_the_arch(tmp_path):
    arch = tmp_path / "arch.json"
    arch.write_text("{}")
    done = _run_compile_sh(tmp_path, arch)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "out" / "net.xmodel").is_file()
    assert (tmp_path / "out" / "args").read_text().split() == ["-x", "in/model.onnx", "-a", str(arch), "-o", str(tmp_path / "out"), "-n", "net"]
    missing = _run_compile_sh(tmp_path, tmp_path / "absent.json")
    assert missing.returncode == vitis_ai.EXIT_NO_ARCH and "is not in this image" in missing.stdout
