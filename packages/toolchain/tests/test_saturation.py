"""A 1000-way softmax quantized to TFLite INT8 rounds its probabilities to 0: verify names the cause and the fix."""

import json

import numpy as np
import pytest

from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.steps import metrics
from tiny_models import arm_variant, run_step
from zoo_like_models import build_model

INPUTS = [{"name": "x", "shape": [None, 16], "dtype": "float32"}]


def build_source(activation: str | None) -> str:
    return f"""
import tensorflow as tf

def build():
    x = tf.keras.Input((16,), name="x")
    h = tf.keras.layers.Dense(32, activation="relu")(x)
    return tf.keras.Model(x, tf.keras.layers.Dense(1000, activation={activation!r})(h))
"""


def quantized_variant(ws, activation: str | None, **settings) -> dict:
    """build-model -> convert (TFLite) -> quantize (TFLite INT8, uint8 I/O); the verify options of variant "arm"."""
    model_path = build_model(ws, "head", build_source(activation), INPUTS, seed=0)
    options = arm_variant(ws, model_path, INPUTS, **settings)
    return {**options, "precision": "int8", "executor": "tflite", "artifactPath": "q"}


def test_an_int8_softmax_over_1000_classes_fails_with_the_cause_and_the_fix(tmp_path):
    options = quantized_variant(tmp_path, "softmax")
    with pytest.raises(ToolchainError) as failure:
        run_step("verify", tmp_path, tmp_path / "v", INPUTS, **options)
    lines = str(failure.value).splitlines()
    advice = [line for line in lines if "softmax over 1000 classes" in line]
    assert len(advice) == 1, lines
    assert "typical value 0.001 is below the INT8 output step 0.0039" in advice[0]
    assert "have the model output logits (apply softmax in a postprocess hook" in advice[0]
    assert 'platforms.arm.precision "fp32"' in advice[0]
    result = json.loads((tmp_path / "v/verify.json").read_text())
    diagnosis = result["outputs"]["output_0"]["diagnosis"]
    assert not result["passed"] and diagnosis["kind"] == "saturatedProbabilities" and diagnosis["classes"] == 1000
    assert diagnosis["zeroedShare"] > 0.9 and diagnosis["message"] == advice[0].removeprefix("  - ")


def test_mixed_precision_keeps_the_softmax_float_and_its_output_float32(tmp_path):
    """The same model on a runtime that runs float layers (the arm descriptor's floatLayers): the quantize step
    sees the collapsed softmax, keeps the op writing it float with a float32 output, and the variant passes."""
    options = quantized_variant(tmp_path, "softmax", floatLayers="TFLite's float kernels")
    meta = json.loads((tmp_path / "q/artifact.json").read_text())
    mixed = meta["mixedPrecision"]
    assert mixed["found"] and meta["floatOutputs"] == ["output_0"], mixed
    assert any(layer["op"] in ("SOFTMAX", "FULLY_CONNECTED") for layer in mixed["floatLayers"])
    run_step("verify", tmp_path, tmp_path / "v", INPUTS, **options)
    assert json.loads((tmp_path / "v/verify.json").read_text())["passed"]


def test_the_same_model_with_logits_passes(tmp_path):
    options = quantized_variant(tmp_path, None)
    run_step("verify", tmp_path, tmp_path / "v", INPUTS, **options)
    result = json.loads((tmp_path / "v/verify.json").read_text())
    assert result["passed"] and "diagnosis" not in result["outputs"]["output_0"]


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_saturation_needs_probabilities_and_a_collapse():
    rng = np.random.default_rng(0)
    probs = softmax(rng.normal(size=(8, 1000)))
    rounded = np.round(probs * 256) / 256  # a TFLite INT8 softmax output, dequantized
    found = metrics.saturation(probs, rounded)
    assert found["classes"] == 1000 and found["zeroedShare"] > 0.8 and found["variantStep"] == pytest.approx(1 / 256)
    assert metrics.saturation(probs, probs * 0.98) is None  # no collapse: another cause
    logits = rng.normal(size=(8, 1000))
    assert metrics.saturation(logits, np.zeros_like(logits)) is None  # not probabilities
    few = softmax(rng.normal(size=(8, 3)))
    assert metrics.saturation(few, np.zeros_like(few)) is None  # three classes survive 8 bits
