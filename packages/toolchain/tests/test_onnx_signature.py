"""ONNX models take and produce exactly the signature's tensors, and exact GELU (Erfc) converts.
tf2onnx listed the constants of Keras preprocessing layers as extra inputs ('2142:0'); the converter now converts
the frozen static-batch signature and checks the graph's inputs and outputs by name."""

import json

import pytest

from job_support import variant_options
from tf2aif_toolchain.errors import ToolchainError
from tiny_models import run_step
from zoo_like_models import GELU_SOURCE, GROUPED_CONV_SOURCE, IMAGE, PREPROCESSING_SOURCE, build_model


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx")


def convert_and_verify(ws, name, source):
    """build-model -> convert (onnx, batch 2) -> verify (onnxruntime); the verify result."""
    model_path = build_model(ws, name, source, IMAGE)
    options = variant_options(model_path, "x", runtime="onnxruntime", precision="fp32", batchSize=2)
    run_step("convert", ws, ws / name / "convert", IMAGE, **options, converter="onnx")
    out = run_step("verify", ws, ws / name / "verify", IMAGE, **options, executor="onnxruntime", artifactPath=f"{name}/convert")
    return json.loads((out / "verify.json").read_text())


def graph_io(path):
    import onnx

    graph = onnx.load(str(path)).graph
    return [i.name for i in graph.input], [o.name for o in graph.output]


def test_preprocessing_constants_are_not_onnx_inputs(workspace):
    result = convert_and_verify(workspace, "pre", PREPROCESSING_SOURCE)
    assert graph_io(workspace / "pre/convert/model.onnx") == (["image"], ["output_0"])
    assert result["passed"] and result["outputs"]["output_0"]["maxAbsError"] < 1e-4


def test_exact_gelu_converts_through_the_erfc_handler(workspace):
    result = convert_and_verify(workspace, "gelu", GELU_SOURCE)
    assert graph_io(workspace / "gelu/convert/model.onnx") == (["image"], ["output_0"])
    assert result["passed"] and result["outputs"]["output_0"]["maxAbsError"] < 1e-4


def test_grouped_convolution_in_an_xla_function_converts(workspace):
    grouped = [{"name": "image", "shape": [None, 6, 6, 4], "dtype": "float32"}]
    model_path = build_model(workspace, "grouped", GROUPED_CONV_SOURCE, grouped)
    options = variant_options(model_path, "x", runtime="onnxruntime", precision="fp32", batchSize=2)
    run_step("convert", workspace, workspace / "grouped/convert", grouped, **options, converter="onnx")
    out = run_step("verify", workspace, workspace / "grouped/verify", grouped, **options, executor="onnxruntime", artifactPath="grouped/convert")
    assert json.loads((out / "verify.json").read_text())["passed"]


def test_io_check_names_extra_and_missing_tensors(workspace):
    import onnx

    from tf2aif_toolchain.converters.onnx import check_signature_io

    if not (workspace / "pre/convert/model.onnx").is_file():
        convert_and_verify(workspace, "pre", PREPROCESSING_SOURCE)
    model = onnx.load(str(workspace / "pre/convert/model.onnx"))
    check_signature_io(model, ["image"], ["output_0"], "platform x")  # as converted: passes
    model.graph.input.append(onnx.helper.make_tensor_value_info("2142:0", onnx.TensorProto.FLOAT, [3]))
    model.graph.output[0].name = "Identity:0"
    message = (
        r"ONNX conversion for platform x: the ONNX model does not match the serving signature "
        r"\(extra input\(s\) '2142:0'; extra output\(s\) 'Identity:0'; missing output\(s\) 'output_0';"
    )
    with pytest.raises(ToolchainError, match=message):
        check_signature_io(model, ["image"], ["output_0"], "platform x")
