"""The variant server over HTTP, in-process, on a tiny TFLite model built by the toolchain's own steps."""

import json
import socket

import numpy as np
import pytest

from serve_support import Client, binary_request, images, metric, metric_samples, parse_binary_response, run_concurrently, tiny_tflite, variant_doc
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.runtimes import tflite
from tf2aif_toolchain.serve import InferenceService, parse_config, start_server

INFER = "/v2/models/tiny/infer"
MAX_BODY = 64 * 1024


class Flaky:
    """The real runner, except that an input starting with 13.0 makes it raise (a runtime failure)."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self.description = runner.description

    def run(self, batch):
        if batch["image"].flat[0] == 13.0:
            raise RuntimeError("tensor arena exploded")
        return self.runner.run(batch)


@pytest.fixture(scope="module")
def artifact():
    return tiny_tflite()


@pytest.fixture(scope="module")
def reference(artifact):
    return tflite.load(artifact, read_meta(artifact))


@pytest.fixture(scope="module")
def server(artifact, tmp_path_factory):
    config = parse_config(variant_doc(artifact, maxBodyBytes=MAX_BODY), tmp_path_factory.mktemp("cfg"))
    runner = Flaky(tflite.load(artifact, read_meta(artifact)))
    running = start_server(InferenceService(config, runner=runner))
    yield running
    assert running.stop(5) == 0


@pytest.fixture
def client(server):
    c = Client(server.url)
    yield c
    c.close()


def test_health_and_metadata_endpoints(client):
    assert client.get_json("/v2/health/live") == (200, {"live": True})
    assert client.get_json("/v2/health/ready") == (200, {"ready": True})
    status, meta = client.get_json("/v2")
    assert status == 200 and meta["name"] == "tf2aif" and "binary_tensor_data" in meta["extensions"]
    expected = {
        "name": "tiny",
        "versions": ["1"],
        "platform": "tflite",
        # an input's value range (variant.json's) tells a client what random data to send
        "inputs": [{"name": "image", "datatype": "FP32", "shape": [-1, 6, 6, 1], "range": [0.0, 1.0]}],
        "outputs": [{"name": "output_0", "datatype": "FP32", "shape": [-1, 3]}],
    }
    assert client.get_json("/v2/models/tiny") == (200, expected)
    assert client.get_json("/v2/models/tiny/versions/1") == (200, expected)
    assert client.get_json("/v2/models/tiny/ready") == (200, {"name": "tiny", "ready": True})
    assert client.get_json("/v2/models/tiny/versions/1/ready")[0] == 200
    status, config = client.get_json("/v2/models/tiny/config")
    assert status == 200 and config["max_batch_size"] == 1
    assert config["input"] == [
        {
            "name": "image",
            "data_type": "TYPE_FP32",
            "format": "FORMAT_NONE",
            "dims": [6, 6, 1],
            "is_shape_tensor": False,
            "allow_ragged_batch": False,
            "optional": False,
        }
    ]
    assert config["output"][0]["dims"] == [3] and "dynamic_batching" not in config  # LAT
    status, stats = client.get_json("/v2/models/tiny/stats")
    assert status == 200 and stats["model_stats"][0]["name"] == "tiny"
    assert "success" in stats["model_stats"][0]["inference_stats"]
    status, head, text = client.request("GET", "/metrics")
    assert status == 200 and head["Content-Type"].startswith("text/plain")
    (info,) = [dict(labels) for (name, labels), value in metric_samples(text.decode()).items() if name == "tf2aif_model_info" and value == 1]
    assert {k: info[k] for k in ("model", "version", "variant", "platform", "mode")} == {
        "model": "tiny",
        "version": "1",
        "variant": "tiny-cpu",
        "platform": "cpu",
        "mode": "LAT",
    }


def test_json_and_binary_inference_match_the_runtime_adapter(client, reference):
    x = images(3)
    want = reference.run({"image": x})["output_0"]
    doc = {"id": "r1", "inputs": [{"name": "image", "shape": [3, 6, 6, 1], "datatype": "FP32", "data": x.ravel().tolist()}]}
    status, body, head, _ = client.infer_json(INFER, doc)
    assert status == 200, body
    assert body["id"] == "r1" and body["model_name"] == "tiny" and body["model_version"] == "1"
    (out,) = body["outputs"]
    assert out["name"] == "output_0" and out["datatype"] == "FP32" and out["shape"] == [3, 3]
    np.testing.assert_array_equal(np.array(out["data"], np.float32).reshape(3, 3), want)
    # nested JSON data is allowed too
    doc["inputs"][0]["data"] = x.tolist()
    assert client.infer_json(INFER, doc)[0] == 200

    body, headers = binary_request(x)
    status, head, data = client.request("POST", "/v2/models/tiny/versions/1/infer", body, headers)
    assert status == 200, data
    np.testing.assert_array_equal(parse_binary_response(head, data)["output_0"], want)
    # Server-Timing names every stage once, in milliseconds, and the runtime call took time
    timing = dict(part.strip().split(";dur=") for part in head["Server-Timing"].split(","))
    assert list(timing) == ["decode", "preprocess", "queue", "infer", "postprocess", "encode"]
    assert all(float(v) >= 0 for v in timing.values()) and float(timing["infer"]) > 0

    # binary in, JSON out (binary_data_output false) on the same connection
    body, headers = binary_request(x, binary_output=False)
    status, head, data = client.request("POST", INFER, body, headers)
    assert status == 200 and "Inference-Header-Content-Length" not in head
    np.testing.assert_array_equal(np.array(json.loads(data)["outputs"][0]["data"], np.float32).reshape(3, 3), want)


def _json_input(**overrides):
    entry = {"name": "image", "shape": [1, 6, 6, 1], "datatype": "FP32", "data": [0.5] * 36, **overrides}
    return {"inputs": [entry]}


@pytest.mark.parametrize(
    "doc, status, message",
    [
        (_json_input(name="pixels"), 400, "unknown input 'pixels'"),
        (
            {
                "inputs": [
                    {"name": "image", "shape": [1, 6, 6, 1], "datatype": "FP32", "data": [0.5] * 36},
                    {"name": "extra", "shape": [1], "datatype": "FP32", "data": [1]},
                ]
            },
            400,
            "unknown input 'extra'",
        ),
        ({"inputs": []}, 400, "non-empty list"),
        (_json_input(shape=[1, 6, 6], data=[0.5] * 36), 400, "expected shape [-1, 6, 6, 1] (-1: any size), got [1, 6, 6]"),
        (_json_input(shape=[1, 7, 6, 1], data=[0.5] * 42), 400, "expected shape [-1, 6, 6, 1]"),
        (_json_input(datatype="INT32", data=[1] * 36), 400, "expected datatype FP32, got 'INT32'"),
        (_json_input(data=[0.5] * 35), 400, "has 36 elements, but data holds 35"),
        (_json_input(data=["a"] * 36), 400, "must hold numbers"),
        (_json_input(shape=[0, 6, 6, 1], data=[]), 400, "batch (first) dimension is 0"),
        ({**_json_input(), "outputs": [{"name": "nope"}]}, 400, "unknown output 'nope'"),
    ],
)
def test_bad_inference_requests_get_4xx_json(client, doc, status, message):
    got, body, _, _ = client.infer_json(INFER, doc)
    assert got == status and message in body["error"], body


def test_missing_input_is_named(artifact, tmp_path):
    """A two-input config, so one can be missing (the runtime is never reached)."""
    two = [*variant_doc(artifact)["inputs"], {"name": "mask", "shape": [None, 2], "dtype": "float32"}]
    config = parse_config(variant_doc(artifact, inputs=two), tmp_path)
    from tf2aif_toolchain.serve.validate import check_inputs

    with pytest.raises(Exception, match=r"missing input\(s\) \['mask'\]") as e:
        check_inputs(config, {"image": images(1)})
    assert e.value.status == 400


def test_malformed_bodies_and_headers(client):
    status, head, data = client.request("POST", INFER, b'{"inputs": [', {"Content-Type": "application/json"})
    assert status == 400 and "malformed JSON" in json.loads(data)["error"]
    x = images(2)
    body, headers = binary_request(x, size=100)  # wrong byte count
    status, _, data = client.request("POST", INFER, body, headers)
    assert status == 400 and "binary_data_size is 100 bytes, but shape [2, 6, 6, 1] of FP32 needs 288" in json.loads(data)["error"]
    body, headers = binary_request(x)
    status, _, data = client.request("POST", INFER, body + b"\0\0\0\0", headers)  # trailing bytes
    assert status == 400 and "4 bytes of binary data that no input" in json.loads(data)["error"]
    status, _, data = client.request("POST", INFER, body[:-4], headers)  # short
    assert status == 400 and "only 284 left" in json.loads(data)["error"]
    status, _, data = client.request("POST", INFER, body, {"Inference-Header-Content-Length": "99999999"})
    assert status == 400 and "Inference-Header-Content-Length" in json.loads(data)["error"]
    status, _, data = client.request("POST", "/v2/models/other/infer", body, headers)
    assert status == 404 and "unknown model 'other'" in json.loads(data)["error"]
    status, _, data = client.request("POST", "/v2/models/tiny/versions/7/infer", body, headers)
    assert status == 404 and "no version '7'" in json.loads(data)["error"]
    status, head, data = client.request("GET", INFER)
    assert status == 405 and head["Allow"] == "POST"
    status, head, data = client.request("DELETE", "/v2/models/tiny", b"x" * 10)  # a body on a refused request is skipped
    assert status == 405 and head["Allow"] == "GET"
    assert client.request("GET", "/v2/nothing/here")[0] == 404
    assert client.get_json("/v2/health/live")[0] == 200  # the connection survived all of the above


def test_body_over_the_limit_is_refused_from_its_header(server):
    # announce a body far over maxBodyBytes and send none of it: the answer must come from the header alone
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /v2/models/tiny/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
        reply = b""
        while chunk := s.recv(65536):  # the server half-closes after its answer
            reply += chunk
        reply = reply.decode()
    assert reply.startswith("HTTP/1.1 413") and "Connection: close" in reply and "at most 65536" in reply
    # a client that does send the whole oversized body still gets the 413
    c = Client(server.url)
    status, _, data = c.request("POST", INFER, b"x" * (MAX_BODY * 4), {"Content-Type": "application/json"})
    assert status == 413 and "maxBodyBytes" in json.loads(data)["error"]
    c.close()


def test_a_runtime_exception_is_a_500_and_the_server_stays_up(client):
    x = images(1)
    x.flat[0] = 13.0
    doc = {"inputs": [{"name": "image", "shape": [1, 6, 6, 1], "datatype": "FP32", "data": x.ravel().tolist()}]}
    status, body, _, _ = client.infer_json(INFER, doc)
    assert status == 500 and "tensor arena exploded" in body["error"]
    doc["inputs"][0]["data"][0] = 0.25
    assert client.infer_json(INFER, doc)[0] == 200


def test_concurrent_clients_get_their_own_answers(server, reference):
    threads, per_thread = 8, 25
    failures: list[str] = []
    cases = {(s, i): images(1 + (s + i) % 3, seed=s * 1000 + i) for s in range(threads) for i in range(per_thread)}
    # the reference runner is not thread-safe either: expected answers are computed up front
    expected = {key: reference.run({"image": x})["output_0"] for key, x in cases.items()}

    def work(seed: int) -> None:
        c = Client(server.url)
        try:
            for i in range(per_thread):
                x = cases[seed, i]
                body, headers = binary_request(x)
                status, head, data = c.request("POST", INFER, body, headers)
                if status != 200:
                    failures.append(f"{status} {data[:200]!r}")
                    continue
                got = parse_binary_response(head, data)["output_0"]
                if got.shape != expected[seed, i].shape or not np.allclose(got, expected[seed, i], atol=1e-6):
                    failures.append(f"thread {seed} request {i}: wrong result")
        except Exception as e:  # noqa: BLE001 (reported through failures, so the test fails)
            failures.append(repr(e))
        finally:
            c.close()

    before = _metric(server, "tf2aif_inferences_total")
    run_concurrently(work, threads)
    assert failures == []
    assert _metric(server, "tf2aif_inferences_total") - before == sum(len(x) for x in cases.values())
    assert _metric(server, "tf2aif_request_failures_total", code="500") <= 1  # only the deliberate one


def _metric(server, name: str, **labels: str) -> float:
    c = Client(server.url)
    text = c.request("GET", "/metrics")[2].decode()
    c.close()
    return metric(text, name, **labels)


def test_metrics_break_requests_down_by_stage(server, client):
    body, headers = binary_request(images(2))
    assert client.request("POST", INFER, body, headers)[0] == 200
    for stage in ("decode", "preprocess", "queue", "infer", "postprocess", "encode"):
        assert _metric(server, "tf2aif_request_stage_seconds_count", stage=stage) >= 1
    assert _metric(server, "tf2aif_request_stage_seconds_sum", stage="infer") > 0
    assert _metric(server, "tf2aif_request_failures_total", code="400") >= 1
    status, stats = client.get_json("/v2/models/tiny/stats")
    entry = stats["model_stats"][0]
    assert entry["inference_stats"]["success"]["count"] >= 1 and entry["inference_stats"]["compute_infer"]["ns"] > 0
    assert {b["batch_size"] for b in entry["batch_stats"]} >= {2}


def test_tritonclient_works_against_the_server(server, reference):
    import tritonclient.http as triton

    c = triton.InferenceServerClient(server.url.removeprefix("http://"))
    assert c.is_server_live() and c.is_server_ready() and c.is_model_ready("tiny")
    assert c.get_model_metadata("tiny")["inputs"][0]["shape"] == [-1, 6, 6, 1]
    assert c.get_model_config("tiny")["max_batch_size"] == 1
    assert "binary_tensor_data" in c.get_server_metadata()["extensions"]
    x = images(4, seed=7)
    want = reference.run({"image": x})["output_0"]
    for binary in (False, True):
        tensor = triton.InferInput("image", list(x.shape), "FP32")
        tensor.set_data_from_numpy(x, binary_data=binary)
        wanted = [triton.InferRequestedOutput("output_0", binary_data=binary)]
        result = c.infer("tiny", [tensor], outputs=wanted, request_id="t1")
        np.testing.assert_array_equal(result.as_numpy("output_0"), want)
    result = c.infer("tiny", [tensor], request_compression_algorithm="gzip")  # all outputs, binary by default
    np.testing.assert_array_equal(result.as_numpy("output_0"), want)
    assert c.get_inference_statistics("tiny")["model_stats"][0]["inference_count"] >= 12
    with pytest.raises(Exception, match="unknown model 'nope'"):
        c.infer("nope", [tensor])
    c.close()
