"""The load-generating client (tritonclient over HTTP) against a real variant server."""

import json

import pytest

from serve_support import Client, metric, tiny_tflite, variant_doc
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.client.__main__ import main
from tf2aif_toolchain.client.loadgen import connect, infer, run_load
from tf2aif_toolchain.runtimes import tflite
from tf2aif_toolchain.serve import InferenceService, parse_config, start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    artifact = tiny_tflite()
    config = parse_config(variant_doc(artifact), tmp_path_factory.mktemp("cfg"))
    running = start_server(InferenceService(config, runner=tflite.load(artifact, read_meta(artifact))))
    yield running
    assert running.stop(5) == 0


def _inferences(server) -> float:
    c = Client(server.url)
    text = c.request("GET", "/metrics")[2].decode()
    c.close()
    return metric(text, "tf2aif_inferences_total")


def test_load_from_several_threads_is_counted_by_the_server(server):
    before = _inferences(server)
    result = run_load(server.url, "tiny", requests=30, concurrency=3, batch=2)
    assert result["requests"] == 30 and result["errors"] == {}
    assert result["latencyMs"]["p50"] > 0 and result["throughputPerSecond"] > 0
    # 30 timed requests and one warm-up per thread, 2 samples each
    assert _inferences(server) - before == (30 + 3) * 2


def test_answers_match_the_runtime(server):
    import numpy as np

    from serve_support import images

    x = images(3)
    want = tflite.load(tiny_tflite(), read_meta(tiny_tflite())).run({"image": x})["output_0"]
    client = connect(server.url)
    try:
        got = infer(client, "tiny", {"image": x}, ["output_0"])["output_0"]
    finally:
        client.close()
    np.testing.assert_array_equal(got, want)


def test_cli_prints_figures_and_names_what_is_wrong(server, capsys, tmp_path):
    config = tmp_path / "variant.json"
    config.write_text(json.dumps({"model": "tiny"}))
    assert main(["--url", server.url, "--config", str(config), "--requests", "5", "--concurrency", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["requests"] == 5
    assert main(["--url", server.url, "--model", "nope", "--requests", "1"]) == 1
    assert "tf2aif client error:" in capsys.readouterr().err
    assert main(["--url", "http://127.0.0.1:9", "--model", "tiny", "--wait", "0.5"]) == 1
    assert "no ready server at http://127.0.0.1:9" in capsys.readouterr().err
