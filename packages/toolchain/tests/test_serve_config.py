"""variant.json validation, and building one from dist/."""

import json

import pytest

import job_support
from serve_support import variant_doc
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.serve import ConfigError, load_config, parse_config, variant_config


def test_a_valid_config_gets_defaults_and_resolved_paths(tmp_path):
    (tmp_path / "v").mkdir()
    path = tmp_path / "v/variant.json"
    path.write_text(json.dumps(variant_doc("../art", processing="hooks.py", version=2)))
    config = load_config(path)
    assert config.artifact_dir == (tmp_path / "art").resolve()
    assert config.processing == (tmp_path / "v/hooks.py").resolve()
    assert config.version == "2" and config.mode == "LAT" and config.fixed_batch is False
    assert config.max_queue_size == 64 and config.max_body_bytes == 64 * 1024 * 1024
    assert config.inputs[0].shape == (-1, 6, 6, 1) and config.inputs[0].datatype == "FP32"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"batchSize": 0}, "field 'batchSize': expected an integer >= 1, got 0"),
        ({"batchSize": True}, "field 'batchSize'"),
        ({"mode": "FAST"}, "field 'mode': expected one of ['LAT', 'THR'], got 'FAST'"),
        ({"fixedBatch": "yes"}, "field 'fixedBatch': expected true or false"),
        ({"model": "my model"}, "field 'model': 'my model' must be URL-safe"),
        ({"executor": "../x"}, "field 'executor'"),
        ({"maxQueueDelayMs": -1}, "field 'maxQueueDelayMs'"),
        ({"inputs": []}, "field 'inputs': expected a non-empty list"),
        ({"inputs": [{"name": "image", "shape": [1, 6, 6, 1]}]}, "field 'inputs[0].shape': the first dimension is the batch"),
        ({"inputs": [{"name": "image", "shape": [None, 0]}]}, "field 'inputs[0].shape': expected a list of positive integers"),
        ({"outputs": [{"name": "y", "shape": [None], "dtype": "string"}]}, "field 'outputs[0].dtype': 'string' is not one of"),
        (
            {"inputs": [{"name": "a", "shape": [None], "dtype": "float32"}, {"name": "a", "shape": [None], "dtype": "float32"}]},
            "tensor names must be unique",
        ),
        ({"inputs": [{"name": "a", "shape": [None]}]}, "field 'inputs[0].dtype': None is not one of"),
        ({"port": None}, "field 'port': expected an integer"),
        ({"artifactDir": 3}, "field 'artifactDir': expected a path"),
        ({"maxQueueDelay": 3}, "unknown field(s) ['maxQueueDelay']"),
    ],
)
def test_bad_fields_are_named(tmp_path, change, message):
    with pytest.raises(ConfigError) as e:
        parse_config({**variant_doc("art"), **change}, tmp_path, "variant.json")
    assert message in str(e.value) and str(e.value).startswith("variant.json: ")


def test_missing_fields_and_unreadable_files(tmp_path):
    doc = variant_doc("art")
    del doc["executor"], doc["inputs"]
    with pytest.raises(ConfigError, match=r"missing required field\(s\) \['executor', 'inputs'\]"):
        parse_config(doc, tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x",\n  oops}')
    with pytest.raises(ConfigError, match=r"not valid JSON \(line 2, column 3"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read the variant config"):
        load_config(tmp_path / "absent.json")


def _fake_dist(ws, variant, stages, fmt="tflite", batch=1):
    for stage in stages:
        d = ws / "dist/variants" / variant / stage
        d.mkdir(parents=True)
        meta = {
            "variant": variant,
            "platform": "gpu",
            "runtime": "onnxruntime-tensorrt",
            "precision": "int8" if stage == "quantize" else "fp32",
            "batchSize": batch,
            "artifact": "model.x",
            "format": fmt,
        }
        (d / "artifact.json").write_text(json.dumps(meta))
    m = ws / "dist/models/digits"
    m.mkdir(parents=True, exist_ok=True)
    (m / "model.json").write_text(
        json.dumps(
            {
                "inputs": [{"name": "image", "shape": [None, 8, 8, 1], "dtype": "float32"}],
                "outputs": [{"name": "output_0", "shape": [None, 10], "dtype": "float32"}],
            }
        )
    )


def _config(ws, variant, stage, **options):
    dist = ws / "dist"
    serving = job_support.serving() | options.pop("serving", {})
    return variant_config(
        dist / "variants" / variant / stage,
        dist / "models/digits",
        variant=variant,
        model="digits",
        serving=serving,
        value_ranges=job_support.value_ranges(),
        input_ranges=options.pop("input_ranges", {}),
        **options,
    )


def test_config_serves_the_artifact_and_runtime_module_it_is_given(tmp_path):
    _fake_dist(tmp_path, "digits-gpu", ["convert", "quantize"], fmt="onnx", batch=8)
    doc = _config(tmp_path, "digits-gpu", "quantize", executor="onnxruntime", serving={"mode": "THR", "maxQueueDelayMs": 2})
    assert doc["artifactDir"] == str((tmp_path / "dist/variants/digits-gpu/quantize").resolve())
    assert (doc["executor"], doc["precision"], doc["batchSize"], doc["fixedBatch"]) == ("onnxruntime", "int8", 8, True)
    assert doc["mode"] == "THR" and doc["maxQueueDelayMs"] == 2
    config = parse_config(doc, tmp_path)  # what it builds is a valid variant.json
    assert config.inputs[0].shape == (-1, 8, 8, 1)
    assert _config(tmp_path, "digits-gpu", "convert", executor="onnxruntime")["precision"] == "fp32"
    # an image copies the artifact next to variant.json: the reference is written as given
    assert _config(tmp_path, "digits-gpu", "convert", executor="onnxruntime", artifact_ref="artifact")["artifactDir"] == "artifact"


def test_config_says_what_to_build(tmp_path):
    with pytest.raises(ToolchainError, match=r"digits-cpu/convert holds no artifact.json: build the variant's artifact first"):
        _config(tmp_path, "digits-cpu", "convert", executor="tflite")
