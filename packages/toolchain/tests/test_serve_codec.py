"""Request decoding and response encoding of the Open Inference Protocol, without a model or a socket."""

import json

import numpy as np
import pytest

from job_support import serving
from tf2aif_toolchain.serve import parse_config
from tf2aif_toolchain.serve.codec import InferRequest, decode_infer_request, encode_infer_response
from tf2aif_toolchain.serve.errors import RequestError

DOC = {
    "name": "m-cpu",
    "model": "m",
    "platform": "cpu",
    "runtime": "x",
    "executor": "tflite",
    "precision": "int8",
    "batchSize": 1,
    "inputs": [
        {"name": "a", "shape": [None, 2], "dtype": "int8"},
        {"name": "b", "shape": [None, 3], "dtype": "float16"},
        {"name": "c", "shape": [None], "dtype": "bool"},
    ],
    "outputs": [{"name": "y", "shape": [None, 2], "dtype": "float32"}, {"name": "z", "shape": [None], "dtype": "int64"}],
    "artifactDir": "art",
    "version": "1",
    "fixedBatch": False,
    "processing": None,
    **serving(),
}


@pytest.fixture
def config(tmp_path):
    return parse_config(DOC, tmp_path)


def body(inputs, binary: bytes = b"", **extra):
    header = json.dumps({"inputs": inputs, **extra}).encode()
    return header + binary, str(len(header))


def test_mixed_json_and_binary_inputs(config):
    b = np.array([[1.5, -2, 3]], np.float16)
    c = np.array([True], bool)
    data, length = body(
        [
            {"name": "a", "shape": [1, 2], "datatype": "INT8", "data": [[-128, 127]]},
            {"name": "b", "shape": [1, 3], "datatype": "FP16", "parameters": {"binary_data_size": 6}},
            {"name": "c", "shape": [1], "datatype": "BOOL", "parameters": {"binary_data_size": 1}},
        ],
        b.astype("<f2").tobytes() + c.tobytes(),
    )
    request = decode_infer_request(data, length, config)
    np.testing.assert_array_equal(request.inputs["a"], np.array([[-128, 127]], np.int8))
    assert request.inputs["a"].dtype == np.int8 and request.inputs["b"].dtype == np.float16
    np.testing.assert_array_equal(request.inputs["b"], b)
    assert request.inputs["c"].tolist() == [True]
    assert request.outputs == [("y", False), ("z", False)]


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"name": "a", "shape": [1, 2], "datatype": "INT8", "data": [1, 300]}, "values must lie in [-128, 127] for INT8"),
        ({"name": "a", "shape": [1, 2], "datatype": "INT8", "data": [1, 2.5]}, "INT8 data must be whole numbers"),
        ({"name": "a", "shape": [1, 2], "datatype": "INT8", "data": [[1], [2, 3]]}, "ragged"),
        ({"name": "a", "shape": [1, -2], "datatype": "INT8", "data": [1, 2]}, "shape must be a list of non-negative integers"),
        ({"name": "a", "shape": [1, 2], "datatype": "INT8"}, "give 'data', or parameters.binary_data_size"),
        ({"name": "a", "shape": [1, 2], "datatype": "INT8", "data": 5}, "data must be a (flat or nested) list"),
        (
            {"name": "a", "shape": [1, 2], "datatype": "INT8", "parameters": {"binary_data_size": 2}},
            "needs the Inference-Header-Content-Length header",
        ),
        ({"shape": [1]}, "expected an object with a name"),
    ],
)
def test_bad_inputs_are_400_with_the_reason(config, entry, message):
    with pytest.raises(RequestError) as e:
        decode_infer_request(json.dumps({"inputs": [entry]}).encode(), None, config)
    assert e.value.status == 400 and message in e.value.message


def test_requested_outputs_and_binary_flags(config):
    data, _ = body([], outputs=[{"name": "z", "parameters": {"binary_data": True}}, {"name": "y"}], parameters={"binary_data_output": False})
    doc = json.loads(data)
    doc["inputs"] = [{"name": "c", "shape": [1], "datatype": "BOOL", "data": [False]}]
    request = decode_infer_request(json.dumps(doc).encode(), None, config)
    assert request.outputs == [("z", True), ("y", False)]
    with pytest.raises(RequestError, match="classification extension is not supported"):
        doc["outputs"] = [{"name": "y", "parameters": {"classification": 3}}]
        decode_infer_request(json.dumps(doc).encode(), None, config)


def test_response_encoding_json_and_binary(config):
    outputs = {"y": np.array([[0.25, -1.0]], np.float32), "z": np.array([7], np.int64)}
    payload, length = encode_infer_response(config, InferRequest("id-1", {}, [("y", False), ("z", False)]), outputs)
    assert length is None
    assert json.loads(payload) == {
        "model_name": "m",
        "model_version": "1",
        "id": "id-1",
        "outputs": [
            {"name": "y", "datatype": "FP32", "shape": [1, 2], "data": [0.25, -1.0]},
            {"name": "z", "datatype": "INT64", "shape": [1], "data": [7]},
        ],
    }
    payload, length = encode_infer_response(config, InferRequest(None, {}, [("y", True), ("z", True)]), outputs)
    head = json.loads(payload[:length])
    assert [o["parameters"]["binary_data_size"] for o in head["outputs"]] == [8, 8] and "id" not in head
    np.testing.assert_array_equal(np.frombuffer(payload[length : length + 8], "<f4"), [0.25, -1.0])
    assert np.frombuffer(payload[length + 8 :], "<i8").tolist() == [7]
