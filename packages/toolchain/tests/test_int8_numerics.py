"""INT8 checks that must measure the variant, not this CPU: integer kernels without VNNI saturate (u8 x s8 pairs
summed into int16), so the ONNX Runtime emulation runs QDQ unfused and NNCF fixes overflow on every layer."""

import json

import numpy as np
import pytest

from job_support import variant_options
from tf2aif_toolchain.runtimes.onnxruntime import OnnxRuntimeRunner
from tiny_models import run_step
from zoo_like_models import TOKENS, build_model, rnn_source


def qdq_matmul(tmp_path, weights: np.ndarray, x_scale: float):
    """x -> QDQ(int8, per tensor) -> MatMul with per-column int8 weights: the shape of a quantized Dense."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    scales = (np.abs(weights).max(0) / 127).astype(np.float32)
    q = np.round(weights / scales).astype(np.int8)
    n = weights.shape[1]
    graph = helper.make_graph(
        [
            helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
            helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
            helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["wd"], axis=1),
            helper.make_node("MatMul", ["xd", "wd"], ["y"]),
        ],
        "qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, weights.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8, n])],
        [
            numpy_helper.from_array(np.float32(x_scale), "xs"),
            numpy_helper.from_array(np.int8(0), "xz"),
            numpy_helper.from_array(q, "wq"),
            numpy_helper.from_array(scales, "ws"),
            numpy_helper.from_array(np.zeros(n, np.int8), "wz"),
        ],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(tmp_path / "model.onnx"))
    return q.astype(np.float64) * scales


def test_an_int8_qdq_model_runs_exactly_what_it_says(tmp_path):
    rng = np.random.default_rng(0)
    weights = rng.normal(0, 0.2, (16, 5)).astype(np.float32)
    x = (rng.random((8, 16)) * 0.5).astype(np.float32)
    scale = 0.5 / 127
    dequantized = qdq_matmul(tmp_path, weights, scale)
    want = (np.round(x / scale) * scale) @ dequantized
    runner = OnnxRuntimeRunner(tmp_path, {"artifact": "model.onnx", "precision": "int8", "runtime": "vitis-ai"})
    got = runner.run({"x": x})["y"]
    # unfused QDQ is float math on int8 values: equal to the definition up to float32 rounding, on every CPU
    # (ORT's fused kernels were off by up to 0.31 of 0.63 on an AVX2 machine without VNNI)
    assert np.abs(got - want).max() < 1e-5


@pytest.fixture(scope="module")
def lstm(tmp_path_factory):
    ws = tmp_path_factory.mktemp("int8")
    return ws, build_model(ws, "lstm", rnn_source("LSTM"), TOKENS)


def test_nncf_int8_fixes_overflow_on_every_layer_and_verifies(lstm):
    ws, model_path = lstm
    base = dict(precision="int8", runtime="openvino", executor="openvino")
    run_step("convert", ws, ws / "ov/convert", TOKENS, **variant_options(model_path, "cpu-int8", **base, converter="openvino"))
    run_step(
        "quantize",
        ws,
        ws / "ov/quantize",
        TOKENS,
        **variant_options(model_path, "cpu-int8", **base, quantizer="nncf_ov_int8", convertPath="ov/convert"),
    )
    assert "every layer" in json.loads((ws / "ov/quantize/artifact.json").read_text())["overflowFix"]
    out = run_step("verify", ws, ws / "ov/verify", TOKENS, **variant_options(model_path, "cpu-int8", **base, artifactPath="ov/quantize"))
    assert json.loads((out / "verify.json").read_text())["passed"]


def test_tensorrt_calibration_of_a_bidirectional_lstm(tmp_path):
    """ORT's int32-bias weight adjustment failed on the Loop of a bidirectional LSTM; TensorRT has none."""
    model_path = build_model(tmp_path, "bilstm", rnn_source("LSTM", bidirectional=True, mask_zero=True), TOKENS)
    base = dict(precision="int8", runtime="onnxruntime-tensorrt", executor="onnxruntime", batchSize=4)
    run_step("convert", tmp_path, tmp_path / "gpu/convert", TOKENS, **variant_options(model_path, "gpu", **base, converter="onnx"))
    run_step(
        "quantize",
        tmp_path,
        tmp_path / "gpu/quantize",
        TOKENS,
        **variant_options(model_path, "gpu", **base, quantizer="tensorrt_calibration", convertPath="gpu/convert"),
    )
    out = run_step("verify", tmp_path, tmp_path / "gpu/verify", TOKENS, **variant_options(model_path, "gpu", **base, artifactPath="gpu/quantize"))
    assert json.loads((out / "verify.json").read_text())["passed"]
