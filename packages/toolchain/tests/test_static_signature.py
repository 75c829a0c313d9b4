"""Recurrent and integer-input models on TFLite: the static-batch signature (FP32) and the INT8 schemes.
Keras 3 LSTM/GRU need static TensorList shapes in TFLite; TFLite's calibrator crashes on their WHILE loops, so
INT8 is dynamic-range for them; integer inputs calibrate in their own dtype."""

import json

import pytest

from job_support import variant_options
from tiny_models import run_step
from zoo_like_models import EMBEDDING_SOURCE, TOKENS, build_model, rnn_source

RNNS = {
    "lstm": rnn_source("LSTM"),
    "gru": rnn_source("GRU"),
    "bilstm": rnn_source("LSTM", bidirectional=True, mask_zero=True),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("static")


def run(step, ws, out, **options):
    return run_step(step, ws, out, TOKENS, **options)


def verify(ws, model_path, platform, artifact, precision):
    out = run(
        "verify", ws, ws / platform / "verify", **variant_options(model_path, platform, precision=precision, executor="tflite", artifactPath=artifact)
    )
    return json.loads((out / "verify.json").read_text())


@pytest.mark.parametrize("name", sorted(RNNS))
def test_recurrent_models_convert_to_tflite_fp32_at_a_static_batch(workspace, name):
    ws = workspace
    model_path = build_model(ws, name, RNNS[name], TOKENS)
    run("convert", ws, ws / name / "convert", **variant_options(model_path, name, precision="fp32", converter="tflite"))
    meta = json.loads((ws / name / "convert/artifact.json").read_text())
    assert meta["staticBatch"] == 1 and "TensorList" in meta["staticBatchReason"]

    from ai_edge_litert.interpreter import Interpreter

    signature = Interpreter(model_path=str(ws / name / "convert/model.tflite")).get_signature_list()
    assert signature == {"serving_default": {"inputs": ["tokens"], "outputs": ["output_0"]}}
    result = verify(ws, model_path, name, f"{name}/convert", "fp32")
    assert result["passed"] and result["outputs"]["output_0"]["maxAbsError"] < 1e-5


def test_int8_of_a_recurrent_model_is_dynamic_range(workspace):
    ws = workspace
    model_path = build_model(ws, "lstm8", RNNS["lstm"], TOKENS)
    options = variant_options(model_path, "arm", converter="tflite")
    run("convert", ws, ws / "arm/convert", **options, precision="fp32")
    run("quantize", ws, ws / "arm/quantize", **options, precision="int8", quantizer="tflite_int8", convertPath="arm/convert")
    meta = json.loads((ws / "arm/quantize/artifact.json").read_text())
    assert meta["scheme"] == "dynamic-range" and "lstm" in meta["schemeReason"] and meta["ioType"] == "float32"
    assert meta["staticBatch"] == 1
    result = verify(ws, model_path, "arm", "arm/quantize", "int8")
    assert result["passed"] and result["outputs"]["output_0"]["minCosine"] > 0.99


def test_integer_input_model_quantizes_full_integer(workspace):
    ws = workspace
    model_path = build_model(ws, "embed", EMBEDDING_SOURCE, TOKENS)
    options = variant_options(model_path, "embed", converter="tflite")
    run("convert", ws, ws / "embed/convert", **options, precision="fp32")
    assert "staticBatch" not in json.loads((ws / "embed/convert/artifact.json").read_text())
    run("quantize", ws, ws / "embed/quantize", **options, precision="int8", quantizer="tflite_int8", convertPath="embed/convert")
    meta = json.loads((ws / "embed/quantize/artifact.json").read_text())
    assert meta["scheme"] == "full-integer" and meta["ioType"] == "uint8" and "integer ones" in meta["ioTypeNote"]

    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(ws / "embed/quantize/model.tflite")).get_signature_runner("serving_default")
    assert runner.get_input_details()["tokens"]["dtype"].__name__ == "int32"  # token ids keep their dtype
    assert runner.get_output_details()["output_0"]["dtype"].__name__ == "uint8"  # float outputs take ioType
    result = verify(ws, model_path, "embed", "embed/quantize", "int8")
    assert result["passed"] and result["outputs"]["output_0"]["minCosine"] > 0.95
