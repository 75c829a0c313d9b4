"""Every job file is checked against job.schema.json (generated from the plugin's zod schemas) when a step reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from job_support import resolved
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import load_job

INPUTS = [{"name": "image", "shape": [None, 8, 8, 1]}]


def convert_job(ws) -> dict:
    return resolved(
        {
            "workspaceRoot": str(ws),
            "model": "tiny",
            "variant": "tiny-cpu",
            "platform": "cpu",
            "arch": "amd64",
            "runtime": "tflite",
            "precision": "fp32",
            "batchSize": 1,
            "task": "classification",
            "inputs": INPUTS,
            "modelPath": "dist/models/tiny",
            "outputPath": "dist/variants/tiny-cpu/convert",
            "converter": "tflite",
            "exports": [{"runtime": "tflite", "converter": "tflite", "path": "dist/shared/tiny/tflite-batch1"}],
        }
    ) | {"ioType": None}


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
    with pytest.raises(
        ToolchainError, match=r"\(the job\): 'batchSize' is a required property; the plugin and the toolchain disagree on the convert job"
    ):
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


# --- the toolchain applies no defaults: every setting arrives resolved (issue 24) --------------------------------


def _schema() -> dict:
    from tf2aif_toolchain.job import SCHEMA_FILE

    return json.loads(SCHEMA_FILE.read_text())


def _objects(node, path="$"):
    """Every object schema in the job schema, with where it is."""
    if isinstance(node, dict):
        if "properties" in node:
            yield path, node
        for key, value in node.items():
            yield from _objects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _objects(value, f"{path}[{i}]")


def test_every_job_field_with_a_default_in_the_plugin_arrives_resolved():
    """A field the plugin's zod schema gives a default is required in the job: the plugin fills it, the toolchain
    refuses a job without it (test_a_missing_setting_is_named_not_defaulted) rather than filling it."""
    unresolved = [
        f"{path}.{key}"
        for path, obj in _objects(_schema())
        for key, prop in obj["properties"].items()
        if isinstance(prop, dict) and "default" in prop and key not in obj.get("required", [])
    ]
    assert unresolved == []


def test_a_missing_nested_setting_is_refused_not_filled(tmp_path):
    job = convert_job(tmp_path)
    del job["inputs"][0]["dtype"]  # tf2aif.json defaults it (float32); the job must carry it
    with pytest.raises(ToolchainError, match=r"inputs\.0: 'dtype' is a required property"):
        load_job("convert", write(tmp_path, job), tmp_path / "out")


def _job_field_names() -> set[str]:
    return {key for _, obj in _objects(_schema()) for key in obj["properties"]}


# artifact.json (`meta`) is written by the toolchain's own steps, not the plugin's job: its optional keys may be absent
ARTIFACT_META_NAMES = {"meta", "converted"}
# the package's test support plays the plugin's part for tests that run steps without it
PLAYS_THE_PLUGIN = {"testing.py"}


def test_the_toolchain_gives_no_job_field_a_default_of_its_own():
    """No `x.get("<job field>", <default>)` in the toolchain: a job field is read as given (Job.require, or
    Job.optional for one the schema leaves optional, whose absence means something)."""
    import ast

    import tf2aif_toolchain

    root = Path(tf2aif_toolchain.__file__).parent
    names = _job_field_names()
    found = []
    for file in sorted(root.rglob("*.py")):
        if file.name in PLAYS_THE_PLUGIN:
            continue
        for node in ast.walk(ast.parse(file.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "setdefault", "pop")):
                continue
            if len(node.args) != 2 or not (isinstance(node.args[0], ast.Constant) and node.args[0].value in names):
                continue
            default = node.args[1]
            receiver = node.func.value
            if isinstance(default, ast.Constant) and default.value is None:
                continue
            if isinstance(receiver, ast.Name) and receiver.id in ARTIFACT_META_NAMES:
                continue
            found.append(f"{file.relative_to(root)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []
