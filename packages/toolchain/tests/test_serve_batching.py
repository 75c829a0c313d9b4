"""THR mode (server-side dynamic batching), fixed-batch padding and the bounded queue."""

import threading
import time

import numpy as np
import pytest

from serve_support import Client, binary_request, images, metric, parse_binary_response, run_concurrently, tiny_tflite, variant_doc
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.runtimes import tflite
from tf2aif_toolchain.serve import InferenceService, parse_config, start_server
from tf2aif_toolchain.serve.errors import RequestError
from tf2aif_toolchain.serve.stats import Timings


class Recorder:
    """A stand-in runtime: output = per-sample sum of the input, after `delay` s; records the batch sizes it saw."""

    description = "test recorder"

    def __init__(self, delay: float = 0.0, fixed: int | None = None) -> None:
        self.delay, self.fixed, self.batches = delay, fixed, []

    def run(self, batch):
        x = batch["x"]
        if self.fixed is not None:
            assert len(x) == self.fixed, f"a fixed-batch artifact got batch {len(x)}"
        self.batches.append(len(x))
        time.sleep(self.delay)
        return {"y": x.reshape(len(x), -1).sum(axis=1, keepdims=True)}


def fake_config(tmp_path, **overrides):
    doc = variant_doc(
        tmp_path,
        inputs=[{"name": "x", "shape": [None, 4], "dtype": "float32"}],
        outputs=[{"name": "y", "shape": [None, 1], "dtype": "float32"}],
        **overrides,
    )
    return parse_config(doc, tmp_path)


def rows(n: int, start: float) -> np.ndarray:
    return np.arange(n * 4, dtype=np.float32).reshape(n, 4) + start


def test_fixed_batch_pads_requests_and_slices_results(tmp_path):
    runner = Recorder(fixed=4)
    service = InferenceService(fake_config(tmp_path, batchSize=4, fixedBatch=True), runner=runner)
    for n in (1, 3, 4, 6, 9):  # under, at and over the fixed batch: chunks of 4, the last one padded
        x = rows(n, 1.0)
        np.testing.assert_array_equal(service.infer({"x": x})["y"], x.sum(axis=1, keepdims=True))
    assert set(runner.batches) == {4}
    service.close()


def test_thr_batches_concurrent_requests_in_process(tmp_path):
    runner = Recorder(delay=0.02)
    service = InferenceService(fake_config(tmp_path, mode="THR", batchSize=8, maxQueueDelayMs=30), runner=runner)
    runner.batches.clear()
    results, errors = {}, []

    def call(i: int) -> None:
        try:
            results[i] = service.infer({"x": rows(1 + i % 2, i * 100.0)})["y"]
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    run_concurrently(call, 24)
    assert errors == []
    for i, y in results.items():  # each request got its own rows back
        np.testing.assert_array_equal(y, rows(1 + i % 2, i * 100.0).sum(axis=1, keepdims=True))
    assert sum(runner.batches) == sum(1 + i % 2 for i in range(24))
    assert max(runner.batches) > 1 and max(runner.batches) <= 8
    assert len(runner.batches) < 24
    service.close()


def test_thr_full_queue_answers_503(tmp_path):
    runner = Recorder(delay=0.3)
    service = InferenceService(fake_config(tmp_path, mode="THR", batchSize=1, maxQueueDelayMs=0, maxQueueSize=1), runner=runner)
    statuses = []

    def call() -> None:
        try:
            service.infer({"x": rows(1, 0.0)})
            statuses.append(200)
        except RequestError as e:
            statuses.append(e.status)

    pool = [threading.Thread(target=call) for _ in range(5)]
    for t in pool:
        t.start()
        time.sleep(0.02)
    for t in pool:
        t.join()
    # one runs, one waits in the queue (size 1), the rest are refused at once
    assert statuses.count(503) >= 2 and statuses.count(200) >= 2
    service.close()


def test_thr_runtime_failure_fails_the_whole_batch_not_the_server(tmp_path):
    class Broken(Recorder):
        def run(self, batch):
            if (batch["x"] < 0).any():
                raise ValueError("negative input")
            return super().run(batch)

    service = InferenceService(fake_config(tmp_path, mode="THR", batchSize=4, maxQueueDelayMs=1), runner=Broken())
    with pytest.raises(Exception, match="negative input"):
        service.infer({"x": -rows(1, 1.0)})
    assert service.infer({"x": rows(1, 1.0)}, Timings())["y"].shape == (1, 1)
    service.close()


def test_thr_over_http_shows_batches_in_metrics(tmp_path):
    artifact = tiny_tflite()
    config = parse_config(variant_doc(artifact, mode="THR", batchSize=8, maxQueueDelayMs=20), tmp_path)
    reference = tflite.load(artifact, read_meta(artifact))
    server = start_server(InferenceService(config))
    c = Client(server.url)
    status, model_config = c.get_json("/v2/models/tiny/config")
    assert model_config["dynamic_batching"]["max_queue_delay_microseconds"] == 20000
    cases = [images(1, seed=i) for i in range(8 * 10)]
    expected = [reference.run({"image": x})["output_0"] for x in cases]
    failures = []

    def work(t: int) -> None:
        client = Client(server.url)
        for i in range(t, len(cases), 8):
            body, headers = binary_request(cases[i])
            status, head, data = client.request("POST", "/v2/models/tiny/infer", body, headers)
            if status != 200 or not np.allclose(parse_binary_response(head, data)["output_0"], expected[i], atol=1e-6):
                failures.append((i, status))
        client.close()

    run_concurrently(work, 8)
    assert failures == []
    metrics = c.request("GET", "/metrics")[2].decode()
    c.close()
    server.stop(5)
    executions = metric(metrics, "tf2aif_executions_total")
    single = metric(metrics, "tf2aif_execution_batch_size_bucket", le="1.0")
    assert metric(metrics, "tf2aif_inferences_total") == 80
    assert executions < 80 and single < executions  # some runtime calls served several requests
    assert metric(metrics, "tf2aif_execution_batch_size_sum") == 80
