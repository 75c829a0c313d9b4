"""Every job file is checked against job.schema.json (generated from the plugin's zod schemas) when a step reads it."""
from __future__ import annotations

import json

import pytest

from job_support import resolved
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import load_job

INPUTS = [{"name": "image", "shape": [None, 8, 8, 1]}]


def convert_job(ws) -> dict:
    return resolved({
        "workspaceRoot": str(ws), "model": "tiny", "variant": "tiny-cpu", "platform": "cpu", "arch": "amd64",
        "runtime": "tflite", "precision": "fp32", "batchSize": 1, "task": "classification", "inputs": INPUTS,
        "modelPath": "dist/models/tiny", "outputPath": "dist/variants/tiny-cpu/convert",
        "converter": "tflite", "exports": [{"runtime": "tflite", "converter": "tflite", "path": "dist/shared/tiny/tflite-batch1"}],
    }) | {"ioType": None}


def write(tmp_path, job: dict):
    job = {k: v for k, v in job.items() if v is not None}
    (tmp_path / "job.json").write_text(json.dumps(job))
    return tmp_path / "job.json"


def test_a_job_as_the_plugin_resolves_it_loads(tmp_path):
    job = load_job("convert", write(tmp_path, convert_job(tmp_path)), tmp_path / "out")
    assert job.precision == "fp32" and job.batch_size == 1 and job.inputs[0].dtype == "float32"


def test_a_missing_setting_is_named_not_defaulted(tmp_path):
    job = convert_job(tmp_path)
    del job["batchSize"]
    with pytest.raises(ToolchainError, match=r"\(the job\): 'batchSize' is a required property; the plugin and the toolchain disagree on the convert job"):
        load_job("convert", write(tmp_path, job), tmp_path / "out")


def test_a_wrong_type_and_an_unknown_key_are_named_by_field(tmp_path):
    job = convert_job(tmp_path)
    job["inputs"] = [{"name": "image", "shape": [None, 0], "dtype": "float32"}]
    with pytest.raises(ToolchainError, match=r"inputs\.0\.shape\.1: 0 is not valid"):
        load_job("convert", write(tmp_path, job), tmp_path / "out")
    job = convert_job(tmp_path) | {"converterr": "tflite"}
    with pytest.raises(ToolchainError, match=r"Additional properties are not allowed \('converterr' was unexpected\)"):
        load_job("convert", write(tmp_path, job), tmp_path / "out")


def test_an_unknown_step_is_refused(tmp_path):
    with pytest.raises(ToolchainError, match="no job schema for step 'deploy'"):
        load_job("deploy", write(tmp_path, convert_job(tmp_path)), tmp_path / "out")
