"""Runtime fallback, through the real steps: where TFLite's builtins lack an op (MaxPool3D), the cpu and arm
variants convert with the platform's fallback runtime (ONNX Runtime), record it and why, and verify."""

import json

import pytest

from job_support import variant_options
from tf2aif_toolchain.errors import UnsupportedOps
from tiny_models import run_step
from zoo_like_models import build_model

VOLUME = """
import tensorflow as tf
L = tf.keras.layers

def build():
    volume = tf.keras.Input((4, 8, 8, 1), name="volume")
    x = L.Conv3D(4, 3, padding="same", activation="relu")(volume)
    x = L.MaxPool3D(2)(x)
    return tf.keras.Model(volume, L.Dense(3)(L.GlobalAveragePooling3D()(x)))
"""
INPUTS = [{"name": "volume", "shape": [None, 4, 8, 8, 1], "dtype": "float32"}]
ORT = {"runtime": "onnxruntime", "converter": "onnx", "executor": "onnxruntime", "serveExecutor": "onnxruntime", "requirements": "onnxruntime"}


def read(ws, folder: str, name: str) -> dict:
    return json.loads((ws / folder / name).read_text())


@pytest.fixture(scope="module")
def volume(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    return ws, build_model(ws, "volume", VOLUME, INPUTS)


def test_fp32_falls_back_to_onnx_runtime_and_says_why(volume):
    ws, path = volume
    options = variant_options(path, "cpu", fallbacks=[{**ORT, "quantizer": None}])
    run_step("convert", ws, ws / "c", INPUTS, precision="fp32", converter="tflite", **options)
    meta = read(ws, "c", "artifact.json")
    assert meta["runtime"] == "onnxruntime" and meta["converter"] == "onnx" and meta["format"] == "onnx"
    assert meta["fallback"]["from"] == "tflite" and meta["fallback"]["ops"] == ["MaxPool3D"]
    assert "TFLite builtins cannot run" in meta["fallback"]["reason"] and meta["fallback"]["requirements"] == "onnxruntime"
    assert sorted(p.name for p in (ws / "c").iterdir()) == ["artifact.json", "model.onnx"]  # nothing of the failed try
    run_step("verify", ws, ws / "v", INPUTS, precision="fp32", executor="tflite", artifactPath="c", **options)
    result = read(ws, "v", "verify.json")
    assert result["passed"] and result["runtime"] == "onnxruntime" and result["fallback"]["ops"] == ["MaxPool3D"]
    assert "ONNX Runtime" in result["executedWith"]


def test_int8_falls_back_to_the_fallback_runtimes_quantizer(volume):
    ws, path = volume
    options = variant_options(path, "arm", fallbacks=[{**ORT, "quantizer": "onnx_int8"}])
    run_step("convert", ws, ws / "ca", INPUTS, precision="fp32", converter="tflite", **options)
    run_step("quantize", ws, ws / "qa", INPUTS, precision="int8", quantizer="tflite_int8", ioType="uint8", convertPath="ca", **options)
    meta = read(ws, "qa", "artifact.json")
    assert meta["quantizer"] == "onnx_int8" and meta["format"] == "onnx-qdq" and meta["runtime"] == "onnxruntime"
    assert meta["fallback"]["from"] == "tflite"
    run_step("verify", ws, ws / "va", INPUTS, precision="int8", executor="tflite", artifactPath="qa", convertPath="ca", **options)
    assert read(ws, "va", "verify.json")["passed"]


def test_without_a_fallback_the_op_is_named_in_one_line(volume):
    ws, path = volume
    with pytest.raises(UnsupportedOps, match=r"op\(s\) MaxPool3D \(nodes? [^)]*max_pooling3d[^)]*\) that TFLite builtins cannot run") as failure:
        run_step("convert", ws, ws / "cn", INPUTS, precision="fp32", converter="tflite", **variant_options(path, "cpu", fallbacks=[]))
    assert "\n" not in str(failure.value)
