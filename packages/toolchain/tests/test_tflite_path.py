"""build-model -> convert (TFLite FP32) -> quantize (TFLite INT8) -> verify, on a tiny model, through the steps."""

import json
import textwrap

import numpy as np
import pytest

from job_support import make_job
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.steps import STEPS
from tiny_models import build_tiny_model, input_specs, run_step, tiny_arm_variant

SHAPE = (6, 6, 1)
INPUTS = input_specs(SHAPE)


def run(step, ws, out, **options):
    return run_step(step, ws, out, INPUTS, **options)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    build_tiny_model(ws, SHAPE, classes=3, filters=4)
    return ws


def variant(ws, **extra):
    return {
        "variant": "tiny-x",
        "platform": "x",
        "runtime": "tflite",
        "batchSize": 1,
        "task": "classification",
        "trained": False,
        "modelPath": "dist/models/tiny",
        "calibration": {"random": True, "samples": 8, "batchSize": 4},
        "verify": {"samples": 8, "seed": 0, "tolerances": {}},
        **extra,
    }


def test_build_model_records_the_signature(workspace):
    meta = json.loads((workspace / "dist/models/tiny/model.json").read_text())
    assert meta["inputs"] == INPUTS
    assert [o["name"] for o in meta["outputs"]] == ["output_0"]
    assert len(meta["sha256"]) == 64


def test_fp32_and_int8_variants_verify(workspace):
    ws = workspace
    run("convert", ws, ws / "v/convert", **variant(ws, precision="fp32", converter="tflite"))
    fp32 = run("verify", ws, ws / "v/verify32", **variant(ws, precision="fp32", executor="tflite", artifactPath="v/convert"))
    result = json.loads((fp32 / "verify.json").read_text())
    assert result["passed"] and result["samples"] == 8 and result["outputs"]["output_0"]["minCosine"] > 0.9999

    run("quantize", ws, ws / "v/quantize", **variant(ws, precision="int8", quantizer="tflite_int8", convertPath="v/convert"))
    meta = json.loads((ws / "v/quantize/artifact.json").read_text())
    assert meta["precision"] == "int8" and meta["calibration"] == {"samples": 8, "origin": "random"}
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(ws / "v/quantize/model.tflite"))
    assert interpreter.get_input_details()[0]["dtype"].__name__ == "uint8"  # full-integer, uint8 I/O as TF2AIF's ARM pair
    int8 = run("verify", ws, ws / "v/verify8", **variant(ws, precision="int8", executor="tflite", artifactPath="v/quantize"))
    assert json.loads((int8 / "verify.json").read_text())["outputs"]["output_0"]["minCosine"] > 0.95


def test_out_of_tolerance_fails_with_the_numbers(workspace):
    ws = workspace
    run("convert", ws, ws / "t/convert", **variant(ws, precision="fp32", converter="tflite"))
    strict = {"samples": 8, "seed": 0, "tolerances": {"fp32": {"maxAbsError": 0.0, "minCosine": 1.01}}}
    with pytest.raises(ToolchainError, match=r"out of tolerance.*\n  - output output_0: min cosine similarity"):
        run("verify", ws, ws / "t/verify", **{**variant(ws, precision="fp32", executor="tflite", artifactPath="t/convert"), "verify": strict})


def test_not_a_saved_model_and_wrong_declared_inputs(workspace, tmp_path):
    ws = workspace
    (ws / "models/junk").mkdir()
    (ws / "models/junk/readme.txt").write_text("not a model")
    with pytest.raises(ToolchainError, match="is not a TensorFlow SavedModel"):
        run("build-model", ws, tmp_path / "a", model="junk", modelDir="models/junk", source={"format": "savedmodel", "path": "."})
    wrong = [{"name": "pixels", "shape": [None, 6, 6, 1], "dtype": "float32"}]
    with pytest.raises(ToolchainError, match=r"inputs\[0\]\.name: the model has no input 'pixels'"):
        STEPS["build-model"](
            make_job(
                "build-model",
                ws,
                tmp_path / "b",
                {"inputs": wrong, "model": "tiny", "modelDir": "models/tiny", "source": {"format": "script", "path": "build.py"}},
            )
        )


def test_an_op_tflite_or_tf2onnx_cannot_convert_is_named(tmp_path):
    ws = tmp_path
    (ws / "models/odd").mkdir(parents=True)
    (ws / "models/odd/build.py").write_text(
        textwrap.dedent(
            """
            import tensorflow as tf

            class Odd(tf.keras.layers.Layer):
                def call(self, x):
                    return tf.raw_ops.Betainc(a=x, b=x, x=tf.clip_by_value(x, 0.1, 0.9))

            def build():
                x = tf.keras.Input((6, 6, 1), name="image")
                return tf.keras.Model(x, Odd()(x))
            """
        )
    )
    run("build-model", ws, ws / "dist/models/tiny", model="odd", modelDir="models/odd", source={"format": "script", "path": "build.py"})
    with pytest.raises(ToolchainError, match=r"platform x: TFLite FP32 conversion for model tiny: the model uses op\(s\) Betainc"):
        run("convert", ws, ws / "c", **variant(ws, precision="fp32", converter="tflite"))
    with pytest.raises(ToolchainError, match=r"platform x: ONNX conversion for model tiny: tf2onnx cannot convert op\(s\) Betainc"):
        run("convert", ws, ws / "o", **variant(ws, precision="fp32", converter="onnx"))
    with pytest.raises(ToolchainError, match=r"platform x: OpenVINO conversion for model tiny: OpenVINO cannot convert op\(s\) Betainc"):
        run("convert", ws, ws / "v", **variant(ws, precision="fp32", converter="openvino"))


def test_xnnpack_can_be_switched_off_with_the_same_answers(tmp_path, monkeypatch):
    """TF2AIF_TFLITE_XNNPACK=0 (arm64 images under emulation) runs the built-in kernels: same INT8 model, same outputs."""
    from tf2aif_toolchain.runtimes import tflite

    ws = tmp_path
    tiny_arm_variant(ws)
    x = {"image": np.random.default_rng(0).random((1, 8, 8, 1), dtype=np.float32)}
    with_xnnpack = tflite.TFLiteRunner(ws / "q/model.tflite")
    monkeypatch.setenv("TF2AIF_TFLITE_XNNPACK", "0")
    builtin = tflite.TFLiteRunner(ws / "q/model.tflite")
    assert "XNNPACK" in with_xnnpack.description and "built-in kernels" in builtin.description
    np.testing.assert_allclose(builtin.run(x)["output_0"], with_xnnpack.run(x)["output_0"], atol=np.float32(1 / 256) + 1e-7)
