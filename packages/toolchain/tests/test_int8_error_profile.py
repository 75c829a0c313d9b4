"""The INT8 error profile names the layer that loses accuracy, or says the loss is spread."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from tf2aif_toolchain.diagnostics import int8_error_profile, int8_error_profile_tflite
from tf2aif_toolchain.errors import ToolchainError
from tiny_models import input_specs, run_step, tiny_arm_variant

WIDTH = 16


def float_mlp(path, layers: int = 4) -> None:
    """x -> (MatMul -> Relu) x layers, seeded weights, static batch 8."""
    rng = np.random.default_rng(0)
    nodes, inits, prev = [], [], "x"
    for i in range(layers):
        w = (rng.standard_normal((WIDTH, WIDTH)) / np.sqrt(WIDTH)).astype(np.float32)
        inits.append(numpy_helper.from_array(w, f"model/dense_{i}/kernel"))
        nodes.append(helper.make_node("MatMul", [prev, f"model/dense_{i}/kernel"], [f"model/dense_{i}/MatMul:0"], name=f"model/dense_{i}/MatMul"))
        out = "y" if i == layers - 1 else f"model/relu_{i}/Relu:0"
        nodes.append(helper.make_node("Relu", [f"model/dense_{i}/MatMul:0"], [out], name=f"model/relu_{i}/Relu"))
        prev = out
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [8, WIDTH])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [8, WIDTH])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.save(model, str(path))


def quantize(float_path, out_path, feeds, overrides=None) -> None:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self._it = iter([feeds])

        def get_next(self):
            return next(self._it, None)

    quantize_static(
        str(float_path),
        str(out_path),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QInt8,
        weight_type=QuantType.QInt8,
        extra_options={"ActivationSymmetric": True, "TensorQuantOverrides": overrides or {}},
    )


def feeds():
    return {"x": np.random.default_rng(1).uniform(-1, 1, (8, WIDTH)).astype(np.float32)}


def test_a_well_calibrated_model_loses_little_and_nothing_is_blamed(tmp_path):
    float_mlp(tmp_path / "f.onnx")
    quantize(tmp_path / "f.onnx", tmp_path / "q.onnx", feeds())
    profile = int8_error_profile.profile(tmp_path / "f.onnx", tmp_path / "q.onnx", feeds())
    assert profile is not None and profile.tensors >= 8
    assert min(profile.outputs_db.values()) > 25  # 8 bits: roughly 6 dB a bit, less a few for accumulation


def test_one_badly_scaled_tensor_is_named_as_the_layer_that_loses_most(tmp_path):
    float_mlp(tmp_path / "f.onnx")
    # a scale 64x too coarse for the second dense layer's output: that layer alone should lose most of the SQNR
    bad = {"model/dense_1/MatMul:0": [{"scale": np.array(0.5, np.float32), "zero_point": np.array(0, np.int8)}]}
    quantize(tmp_path / "f.onnx", tmp_path / "q.onnx", feeds(), overrides=bad)
    profile = int8_error_profile.profile(tmp_path / "f.onnx", tmp_path / "q.onnx", feeds())
    assert profile is not None
    assert profile.worst[0].node == "model/dense_1/MatMul"
    line = int8_error_profile.message(profile, "alveo")
    assert "one layer loses most of it: model/dense_1/MatMul (MatMul" in line
    assert 'platforms.alveo.precision "fp32"' in line


def test_sqnr_ignores_integer_and_constant_zero_tensors():
    assert int8_error_profile.sqnr_db(np.arange(4), np.arange(4)) is None
    assert int8_error_profile.sqnr_db(np.zeros(4, np.float32), np.ones(4, np.float32)) is None
    assert int8_error_profile.sqnr_db(np.ones(4, np.float32), np.ones(4, np.float32)) == int8_error_profile.EXACT_DB


def test_sqnr_survives_infinite_and_wide_range_tensors():
    """An INT8 tensor that overflowed (inf) gave 'math domain error' (log10 of signal / inf = 0); it is the worst
    figure now, as NaN is; None where the float model itself is not finite; clamped where decades apart."""
    tiny = np.full(3, 1e-12, np.float32)
    assert int8_error_profile.sqnr_db(tiny, np.array([1e30, 0, 0], np.float32)) == -int8_error_profile.EXACT_DB
    assert int8_error_profile.sqnr_db(np.ones(4, np.float32), np.full(4, np.inf, np.float32)) == -int8_error_profile.EXACT_DB
    assert int8_error_profile.sqnr_db(np.ones(4, np.float32), np.full(4, np.nan, np.float32)) == -int8_error_profile.EXACT_DB
    assert int8_error_profile.sqnr_db(np.array([np.inf, 1], np.float32), np.ones(2, np.float32)) is None
    assert int8_error_profile.sqnr_db(np.full(4, 7, np.float32), np.full(4, 7, np.float32)) == int8_error_profile.EXACT_DB  # constant
    assert int8_error_profile.sqnr_db(np.full(4, 3e38, np.float32), np.zeros(4, np.float32)) == 0.0  # float32's largest, squared in float64
    profile = int8_error_profile.summarize(
        [int8_error_profile.Node("a", "Conv", ["x"], ["y"])],
        {"x"},
        ["y"],
        {"y": int8_error_profile.sqnr_db(np.ones(4, np.float32), np.full(4, np.inf, np.float32))},
    )
    assert "dB" in int8_error_profile.message(profile, "alveo")


def test_a_node_tf2onnx_named_itself_is_shown_by_its_weights_layer():
    node = helper.make_node(
        "Conv", ["x", "StatefulPartitionedCall/inception_v3_1/conv2d_11_1/convolution/merged_input:0", "b"], ["Conv__241:0"], name="Conv__241"
    )
    assert int8_error_profile.layer_name(node) == "inception_v3_1/conv2d_11_1 [Conv__241]"
    named = helper.make_node("Relu", ["a"], ["b"], name="StatefulPartitionedCall/model/re_lu_1/Relu")
    assert int8_error_profile.layer_name(named) == "model/re_lu_1/Relu"


def conv_bn_model(path, blocks: int = 3) -> None:
    """x -> (Conv -> BatchNormalization -> Relu) x blocks, seeded: what a Keras CNN converts to before folding."""
    rng = np.random.default_rng(0)
    nodes, inits, prev = [], [], "x"
    for i in range(blocks):
        p = f"model/block_{i}"
        inits += [
            numpy_helper.from_array((rng.standard_normal((4, 4, 3, 3)) / 6).astype(np.float32), f"{p}/conv/kernel"),
            numpy_helper.from_array(rng.uniform(0.5, 1.5, 4).astype(np.float32), f"{p}/bn/gamma"),
            numpy_helper.from_array(rng.uniform(-0.2, 0.2, 4).astype(np.float32), f"{p}/bn/beta"),
            numpy_helper.from_array(rng.uniform(-0.1, 0.1, 4).astype(np.float32), f"{p}/bn/mean"),
            numpy_helper.from_array(rng.uniform(0.5, 2.0, 4).astype(np.float32), f"{p}/bn/var"),
        ]
        nodes += [
            helper.make_node("Conv", [prev, f"{p}/conv/kernel"], [f"{p}/conv:0"], name=f"{p}/conv", pads=[1, 1, 1, 1]),
            helper.make_node(
                "BatchNormalization", [f"{p}/conv:0", f"{p}/bn/gamma", f"{p}/bn/beta", f"{p}/bn/mean", f"{p}/bn/var"], [f"{p}/bn:0"], name=f"{p}/bn"
            ),
            helper.make_node("Relu", [f"{p}/bn:0"], ["y" if i == blocks - 1 else f"{p}/relu:0"], name=f"{p}/relu"),
        ]
        prev = "y" if i == blocks - 1 else f"{p}/relu:0"
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4, 8, 8])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9
    onnx.save(model, str(path))


def test_a_quantizer_that_folded_batchnorm_first_is_profiled_against_the_folded_float_twin(tmp_path):
    from onnxruntime.quantization.shape_inference import quant_pre_process

    conv_bn_model(tmp_path / "f.onnx")
    # as the alveo quantizer does: ORT's pre-processing folds each BatchNormalization into its Conv first
    quant_pre_process(str(tmp_path / "f.onnx"), str(tmp_path / "folded.onnx"), skip_symbolic_shape=True)
    folded_ops = {n.op_type for n in onnx.load(str(tmp_path / "folded.onnx")).graph.node}
    assert "BatchNormalization" not in folded_ops
    x = {"x": np.random.default_rng(1).uniform(0, 1, (2, 4, 8, 8)).astype(np.float32)}
    quantize(tmp_path / "folded.onnx", tmp_path / "q.onnx", x)
    profile = int8_error_profile.profile(tmp_path / "f.onnx", tmp_path / "q.onnx", x)
    assert profile is not None and min(profile.outputs_db.values()) > 25
    # the folded Convs are measured as layers: in the unfolded model a Conv's output (before its BatchNorm)
    # has no quantized counterpart, so only the Relus could be blamed
    assert {"model/block_1/conv", "model/block_2/conv"} <= {w.node for w in profile.worst if w.op == "Conv"}


@pytest.fixture(scope="module")
def tflite_pair(tmp_path_factory):
    """The tiny classifier converted to float TFLite and quantized to full INT8, as the arm variant's steps do."""
    ws = tmp_path_factory.mktemp("tflite-profile")
    options = tiny_arm_variant(ws)
    return ws, options


def test_a_tflite_int8_model_is_profiled_layer_by_layer_against_its_float_tflite(tflite_pair):
    ws, _ = tflite_pair
    rng = np.random.default_rng(3)
    batches = [{"image": rng.random((1, 8, 8, 1), dtype=np.float32)} for _ in range(8)]
    profile = int8_error_profile_tflite.profile(ws / "c/model.tflite", ws / "q/model.tflite", batches)
    assert profile is not None and profile.tensors >= 4
    assert min(profile.outputs_db.values()) > 15
    # layers are named by their Keras layer, not by the fused TF op list
    assert all(";" not in w.node for w in profile.worst)
    # the first Conv reads the quantized input (a tensor only the INT8 model has): it is measured all the same
    assert {"CONV_2D", "FULLY_CONNECTED"} <= {w.op for w in profile.worst}
    assert set(profile.outputs_db) == {"output_0"}


def test_a_failing_tflite_int8_verify_says_where_the_error_arises(tflite_pair):
    ws, options = tflite_pair
    strict = {**options, "verify": {**options["verify"], "tolerances": {"int8": {"minCosine": 0.999999}}}}
    with pytest.raises(ToolchainError) as failure:
        run_step(
            "verify",
            ws,
            ws / "v",
            input_specs((8, 8, 1)),
            precision="int8",
            executor="tflite",
            artifactPath="q",
            convertPath="c",
            **{k: v for k, v in strict.items()},
        )
    assert "INT8 error profile over" in str(failure.value)
    result = json.loads((ws / "v/verify.json").read_text())
    assert result["int8ErrorProfile"]["tensorsCompared"] >= 4


def test_a_fused_tflite_op_is_named_by_its_layer():
    assert int8_error_profile_tflite.layer_name("model/conv2d/Relu;model/conv2d/BiasAdd;model/conv2d/Conv2D") == "model/conv2d/Relu"
    assert int8_error_profile_tflite.layer_name("StatefulPartitionedCall:0") == "0"
