"""build-model: make the model's SavedModel (from a build script, a SavedModel or a Keras file) and check it."""

from __future__ import annotations

import functools
import hashlib
import shutil
from pathlib import Path

from ..env import import_tensorflow
from ..errors import ToolchainError
from ..graph import inference_mode, input_ranges, prepare, savedmodel, static_signature
from ..graph.flops import count_flops
from ..job import Job, TensorSpec
from ..jsonio import write_json
from ..modules import load_user_module, user_function
from ..progress import Stopwatch, log
from . import detections

KERAS_FILE = "model.keras"


def _export_keras(model, target: Path) -> list[str]:
    """The model's SavedModel and .keras file; the layers exported in inference mode (see graph/inference_mode.py)."""
    tf = import_tensorflow()
    if not isinstance(model, tf.keras.Model):
        raise ToolchainError(f"build() must return a Keras model, got {type(model).__name__}")
    active = inference_mode.training_by_default(model)
    if active:
        log(f"exporting in inference mode: layer(s) {', '.join(active)} would otherwise stay active in the SavedModel")
        inference_mode.export_for_inference(model, target)
    else:
        model.export(str(target), format="tf_saved_model", verbose=False)
    # the Keras model too: TF2AIF's native baseline serves it with model.predict, which the bench measures
    model.save(str(target.parent / KERAS_FILE))
    return active


def _from_script(job: Job, script: Path, target: Path) -> list[str]:
    tf = import_tensorflow()
    module = load_user_module(script, "build script")
    build = user_function(module, "build", script, "build script")
    seed = int(job.require("source", dict)["seed"])
    tf.keras.utils.set_random_seed(seed)
    log(f"running build() of {script.name} (seed {seed})")
    try:
        model = build()
    except ToolchainError:
        raise
    except Exception as e:  # noqa: BLE001 (user code)
        raise ToolchainError(f"build() in {script} raised {type(e).__name__}: {e}") from e
    return _export_keras(model, target)


def _from_keras(path: Path, target: Path) -> list[str]:
    tf = import_tensorflow()
    if not path.is_file():
        raise ToolchainError(f"Keras model file {path} does not exist")
    try:
        model = tf.keras.models.load_model(str(path), compile=False)
    except Exception as e:  # noqa: BLE001
        raise ToolchainError(f"{path} is not a Keras model file TensorFlow can load: {e}") from e
    return _export_keras(model, target)


def _from_saved_model(path: Path, target: Path) -> list[str]:
    savedmodel.load_signature(path)  # fails clearly before anything is copied
    shutil.copytree(path, target)
    return []


def tree_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(folder)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def shown(path: Path, workspace: Path) -> str:
    """A path as the user wrote it: workspace-relative when inside the workspace."""
    try:
        return str(path.resolve().relative_to(workspace.resolve()))
    except ValueError:
        return str(path)


def _input_json(spec: TensorSpec, ranges: dict[str, input_ranges.InputRange], declared: list[TensorSpec]) -> dict:
    """The signature's input, with the valid range read from the graph (random data stays inside it) and
    tf2aif.json's shape range for unknown dimensions (servers accept shapes within it)."""
    base = spec.to_json()
    shape_range = next((d.shape_range for d in declared if d.name == spec.name and d.shape_range is not None), None)
    if shape_range is not None:
        base["shapeRange"] = {k: list(v) for k, v in shape_range.items()}
    found = ranges.get(spec.name)
    if found is None:
        return base
    return {**base, "range": [found.low, found.high], "rangeSource": found.reason}


def _log_ranges(ranges: dict[str, input_ranges.InputRange], declared: list[TensorSpec]) -> None:
    by_name = {s.name: (i, s) for i, s in enumerate(declared)}
    for name, found in sorted(ranges.items()):
        log(f"input {name!r} takes [{found.low}, {found.high}]: {found.reason}")
        i, spec = by_name.get(name, (None, None))
        if spec is not None and spec.range is not None and (spec.range[0] < found.low or spec.range[1] > found.high):
            # tf2aif.json wins (the model may guard its lookups); say what will likely fail
            log(
                f"note: tf2aif.json inputs[{i}].range {list(spec.range)} goes beyond [{found.low}, {found.high}]; "
                "TensorFlow rejects ids outside the table"
            )


def _at_opt_shapes(inputs: list[TensorSpec], declared: list[TensorSpec]) -> list[TensorSpec]:
    """The signature's inputs with unknown dimensions at the shape range's opt (FLOPs are counted there)."""
    by_name = {d.name: d for d in declared}
    return [
        TensorSpec(s.name, (None, *by_name[s.name].sample_shape("opt")), s.dtype)
        if s.name in by_name and by_name[s.name].shape_range is not None
        else s
        for s in inputs
    ]


def run(job: Job) -> None:
    tf = import_tensorflow()
    watch = Stopwatch()
    source = job.require("source", dict)
    model_dir = job.path("modelDir")
    path = model_dir / source["path"]
    target = job.out_dir / "saved_model"
    fmt = source["format"]
    log(f"building {job.require('model', str)} from {fmt} {shown(path, job.workspace)}")
    if fmt == "script":
        inference_layers = _from_script(job, path, target)
    elif fmt == "keras":
        inference_layers = _from_keras(path, target)
    elif fmt == "savedmodel":
        inference_layers = _from_saved_model(path, target)
    else:
        raise ToolchainError(f"source.format {fmt!r} is not script, savedmodel or keras")

    loaded, signature = savedmodel.load_signature(target)  # `loaded` owns the variables the signature uses
    inputs, outputs = savedmodel.describe(signature)
    savedmodel.check_declared_inputs(job.inputs, inputs, f"model {shown(path, job.workspace)}")
    inference_mode.check_deterministic(signature, job.inputs, shown(path, job.workspace))
    flops = count_flops(signature, _at_opt_shapes(inputs, job.inputs))
    ranges = input_ranges.infer(signature, inputs)
    # frozen at most once, and only where preparation or the NMS outputs need it (a quick graph read decides)
    frozen = functools.cache(lambda: static_signature.freeze(target))
    preparation = prepare.prepare(frozen, job.out_dir, signature)
    nms = detections.nms_outputs(frozen, signature)  # verify compares these as detections
    del loaded
    _log_ranges(ranges, job.inputs)
    write_json(
        job.out_dir / "model.json",
        {
            "name": job.require("model", str),
            "savedModel": "saved_model",
            # what converters start from: the prepared graph where preparation changed something (graph/prepare.py)
            "convertFrom": prepare.PREPARED_DIR if preparation.changed else "saved_model",
            "preparation": {**preparation.as_json(), "inferenceModeLayers": inference_layers},
            **({"nmsOutputs": nms} if nms else {}),
            "signature": savedmodel.SIGNATURE,
            "inputs": [_input_json(s, ranges, job.inputs) for s in inputs],
            "outputs": [s.to_json() for s in outputs],
            "source": source,
            "sha256": tree_sha256(target),
            "keras": KERAS_FILE if (job.out_dir / KERAS_FILE).is_file() else None,
            "flopsPerSample": flops,
            "tensorflow": tf.__version__,
            "seconds": watch.seconds,
        },
    )
    gflops = f", {flops / 1e9:.3g} GFLOP per sample" if flops else ""
    log(f"SavedModel ready: inputs {[s.to_json() for s in inputs]}, outputs {[s.name for s in outputs]}{gflops}")
