"""A model with unknown height and width, served: any size within its shapeRange is answered, others get a 400."""

import numpy as np
import pytest

from job_support import serving, value_ranges, variant_options
from serve_support import Client, binary_request, parse_binary_response
from test_prepare import DYNAMIC, DYNAMIC_INPUTS
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.runtimes import tflite
from tf2aif_toolchain.serve import InferenceService, parse_config, start_server, variant_config
from tiny_models import run_step
from zoo_like_models import build_model

INFER = "/v2/models/fcn/infer"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    path = build_model(ws, "fcn", DYNAMIC, DYNAMIC_INPUTS)
    options = variant_options(path, "cpu", task="segmentation")
    run_step("convert", ws, ws / "c", DYNAMIC_INPUTS, precision="fp32", converter="tflite", **options)
    doc = variant_config(
        ws / "c",
        ws / path,
        variant="fcn-cpu",
        model="fcn",
        executor="tflite",
        serving=serving() | {"mode": "THR"},
        value_ranges=value_ranges(),
        input_ranges={},
    )
    config = parse_config(doc, ws)
    runner = tflite.load(ws / "c", read_meta(ws / "c"))
    running = start_server(InferenceService(config, runner=runner))
    yield running, runner
    assert running.stop(5) == 0


def test_two_sizes_in_the_range_are_answered_and_one_outside_is_refused(served):
    server, runner = served
    client = Client(server.url)
    status, meta = client.get_json("/v2/models/fcn")
    assert status == 200 and meta["inputs"][0]["shape"] == [-1, -1, -1, 3]
    assert meta["inputs"][0]["shapeRange"] == {"min": [4, 4, 3], "opt": [8, 6, 3], "max": [12, 12, 3]}
    for shape in ((1, 4, 4, 3), (2, 12, 10, 3)):
        x = np.random.default_rng(0).random(shape, dtype=np.float32)
        status, head, data = client.request("POST", INFER, *binary_request(x))
        assert status == 200
        out = parse_binary_response(head, data)["output_0"]
        assert out.shape == (*shape[:3], 2)
        np.testing.assert_allclose(out, runner.run({"image": x})["output_0"], rtol=1e-5, atol=1e-6)
    status, doc, _, _ = client.infer_json(INFER, {"inputs": [{"name": "image", "shape": [1, 16, 16, 3], "datatype": "FP32", "data": [0.0] * 768}]})
    assert status == 400 and "outside the accepted range" in doc["error"] and "[4, 4, 3] to [12, 12, 3]" in doc["error"]
    client.close()


def test_a_dpu_artifact_that_fixed_the_shape_serves_only_that_shape():
    from tf2aif_toolchain.serve.variant_config import deployed_inputs

    inputs = [
        {"name": "image", "shape": [None, None, None, 3], "dtype": "float32", "shapeRange": {"min": [4, 4, 3], "opt": [8, 6, 3], "max": [12, 12, 3]}}
    ]
    assert deployed_inputs(inputs, {"image": [1, 8, 6, 3]}) == [{"name": "image", "shape": [None, 8, 6, 3], "dtype": "float32"}]
