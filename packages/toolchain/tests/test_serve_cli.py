"""`python -m tf2aif_toolchain.serve` as a process: the ready line, processing hooks, start-up errors, SIGTERM."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from job_support import serving, value_ranges
from serve_support import Client, images, tiny_tflite, write_variant
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.runtimes import tflite

TOOLCHAIN = Path(__file__).resolve().parents[1]
READY = re.compile(r"^tf2aif serve: tiny-cpu \(tflite fp32, LAT\) ready on http://127\.0\.0\.1:(\d+)/v2/models/tiny")

HOOKS = """
import time
import numpy as np

def preprocess(inputs):
    x = inputs["image"]
    if x.flat[0] == 7.0:  # a slow request, for the SIGTERM test
        time.sleep(1.5)
    return {"image": x * 0.5}

def postprocess(outputs):
    y = outputs["output_0"]
    return {"output_0": y, "label": np.argmax(y, axis=1).astype(np.int64)}
"""


def env():
    return {**os.environ, "PYTHONPATH": str(TOOLCHAIN), "TF_ENABLE_ONEDNN_OPTS": "0"}


def serve(config: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tf2aif_toolchain.serve", "--config", str(config), "--host", "127.0.0.1", "--port", "0", *extra]
    return subprocess.Popen(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_to_end(config: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "tf2aif_toolchain.serve", "--config", str(config), "--host", "127.0.0.1", "--port", "0", *extra]
    return subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def artifact():
    return tiny_tflite()


def test_ready_line_hooks_and_sigterm_drain(artifact, tmp_path):
    (tmp_path / "hooks.py").write_text(HOOKS)
    outputs = [{"name": "output_0", "shape": [None, 3], "dtype": "float32"}, {"name": "label", "shape": [None], "dtype": "int64"}]
    proc = serve(write_variant(tmp_path, artifact, processing="hooks.py", outputs=outputs))
    try:
        line = proc.stdout.readline()
        match = READY.match(line)
        assert match, f"no ready line: {line!r}; stderr: {proc.stderr.read() if proc.poll() is not None else ''}"
        port = int(match.group(1))
        url = f"http://127.0.0.1:{port}"
        c = Client(url)
        assert c.get_json("/v2/health/ready") == (200, {"ready": True})
        health = [sys.executable, "-m", "tf2aif_toolchain.serve.healthcheck"]  # the image's HEALTHCHECK
        assert subprocess.run(health, env={**env(), "TF2AIF_PORT": str(port)}, capture_output=True).returncode == 0

        # hooks ran: the model saw x * 0.5, and postprocess added the label output
        x = images(2, seed=3)
        doc = {"inputs": [{"name": "image", "shape": [2, 6, 6, 1], "datatype": "FP32", "data": x.ravel().tolist()}]}
        status, body, _, _ = c.infer_json("/v2/models/tiny/infer", doc)
        assert status == 200, body
        want = tflite.load(artifact, read_meta(artifact)).run({"image": x * 0.5})["output_0"]
        got = {o["name"]: o for o in body["outputs"]}
        np.testing.assert_allclose(np.array(got["output_0"]["data"], np.float32).reshape(2, 3), want, atol=1e-6)
        assert got["label"] == {"name": "label", "datatype": "INT64", "shape": [2], "data": np.argmax(want, axis=1).tolist()}

        # a slow request is in flight when SIGTERM arrives: it still gets its answer, new connections do not,
        # and a request on an already open (kept-alive) connection is turned away with 503
        slow = images(1)
        slow.flat[0] = 7.0
        doc = {"inputs": [{"name": "image", "shape": [1, 6, 6, 1], "datatype": "FP32", "data": slow.ravel().tolist()}]}
        answer = {}
        worker = threading.Thread(target=lambda: answer.update(result=Client(url).infer_json("/v2/models/tiny/infer", doc)))
        worker.start()
        time.sleep(0.4)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.4)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        status, head, data = c.request("GET", "/v2/health/ready")
        assert status == 503 and head["Connection"] == "close" and "shutting down" in json.loads(data)["error"]
        c.close()
        worker.join(10)
        assert answer["result"][0] == 200, answer
        assert proc.wait(10) == 0
        err = proc.stderr.read()
        assert "SIGTERM received" in err and "1 in-flight request(s)" in err and "drained, stopped" in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_startup_errors_exit_non_zero_with_one_clear_line(artifact, tmp_path):
    def check(folder: str, message: str, **overrides) -> None:
        d = tmp_path / f"config-{folder}"
        d.mkdir()
        result = run_to_end(write_variant(d, overrides.pop("artifact_dir", artifact), **overrides))
        assert result.returncode == 2, result
        lines = [line for line in result.stderr.splitlines() if line.startswith("tf2aif serve error: ")]
        assert len(lines) == 1 and message in lines[0], result.stderr
        assert "Traceback" not in result.stderr

    check("mode", "field 'mode': expected one of ['LAT', 'THR'], got 'FAST'", mode="FAST")
    check("executor", "no runtime named 'nosuch'", executor="nosuch")
    empty = tmp_path / "empty"
    empty.mkdir()
    check("noart", "holds no artifact.json", artifact_dir=empty)
    gone = tmp_path / "gone"
    gone.mkdir()
    (gone / "artifact.json").write_text(json.dumps({"artifact": "model.tflite"}))
    check("gone", "model.tflite is missing", artifact_dir=gone)
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "artifact.json").write_text(json.dumps({"artifact": "model.tflite"}))
    (junk / "model.tflite").write_bytes(b"not a flatbuffer")
    check("junk", "runtime 'tflite' cannot load", artifact_dir=junk)
    check("hooks", "processing file", processing="absent.py")
    check("outputs", "declares output(s) ['nope']", outputs=[{"name": "nope", "shape": [None, 3], "dtype": "float32"}])


def test_port_in_use_is_a_clear_error(artifact, tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cmd = [
            sys.executable,
            "-m",
            "tf2aif_toolchain.serve",
            "--config",
            str(write_variant(tmp_path, artifact)),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        result = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_make_config_writes_a_variant_json_for_the_artifact_it_is_given(tmp_path):
    stage = tmp_path / "dist/variants/digits-alveo/compile"
    stage.mkdir(parents=True)
    (stage / "artifact.json").write_text(
        json.dumps({"platform": "alveo", "runtime": "vitis-ai", "precision": "int8", "batchSize": 8, "artifact": "model.xmodel", "format": "xmodel"})
    )
    (tmp_path / "dist/models/digits").mkdir(parents=True)
    (tmp_path / "dist/models/digits/model.json").write_text(
        json.dumps(
            {
                "inputs": [{"name": "image", "shape": [None, 8, 8, 1], "dtype": "float32"}],
                "outputs": [{"name": "output_0", "shape": [None, 10], "dtype": "float32"}],
            }
        )
    )
    out = tmp_path / "out/variant.json"
    cmd = [
        sys.executable,
        "-m",
        "tf2aif_toolchain.serve",
        "make-config",
        "--artifact",
        str(stage),
        "--model-dir",
        str(tmp_path / "dist/models/digits"),
        "--variant",
        "digits-alveo",
        "--model",
        "digits",
        "--executor",
        "vart",
        "--serving",
        json.dumps(serving() | {"mode": "THR"}),
        "--value-ranges",
        json.dumps(value_ranges()),
        "--fixed-batch",
        "--processing",
        "processing.py",
        "--out",
        str(out),
    ]
    result = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    doc = json.loads(out.read_text())
    assert (doc["executor"], doc["mode"], doc["fixedBatch"], doc["batchSize"]) == ("vart", "THR", True, 8)
    assert doc["artifactDir"] == str(stage.resolve()) and doc["processing"] == "processing.py"
    cmd[cmd.index(str(stage))] = str(stage.with_name("quantize"))
    result = subprocess.run(cmd, env=env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "quantize holds no artifact.json" in result.stderr
