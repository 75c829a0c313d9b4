"""Reading a SavedModel's serving signature and checking it against the declared inputs."""

from __future__ import annotations

from pathlib import Path

from ..env import import_tensorflow
from ..errors import ToolchainError
from ..job import TensorSpec

SIGNATURE = "serving_default"


def _spec(name: str, tensor_spec) -> TensorSpec:
    shape = tuple(None if d is None else int(d) for d in tensor_spec.shape.as_list())
    return TensorSpec(name, shape, tensor_spec.dtype.name)


def load_signature(saved_model_dir: Path):
    """The serving function of a SavedModel, with a clear error when the folder is not one."""
    tf = import_tensorflow()
    if not saved_model_dir.is_dir() or not tf.saved_model.contains_saved_model(str(saved_model_dir)):
        raise ToolchainError(
            f"{saved_model_dir} is not a TensorFlow SavedModel (no saved_model.pb or saved_model.pbtxt); "
            "export one with model.export(path) or tf.saved_model.save(model, path)"
        )
    try:
        loaded = tf.saved_model.load(str(saved_model_dir))
    except Exception as e:  # noqa: BLE001 (TF raises many kinds for a broken model)
        raise ToolchainError(f"{saved_model_dir}: TensorFlow cannot load this SavedModel: {e}") from e
    if SIGNATURE not in loaded.signatures:
        raise ToolchainError(
            f"{saved_model_dir} has no '{SIGNATURE}' signature (it has: {', '.join(loaded.signatures) or 'none'}); "
            "export the model with a serving signature"
        )
    return loaded, loaded.signatures[SIGNATURE]


def describe(signature) -> tuple[list[TensorSpec], list[TensorSpec]]:
    """Inputs and outputs of a signature, sorted by name (the order every runtime uses)."""
    _, kwargs = signature.structured_input_signature
    inputs = [_spec(name, spec) for name, spec in sorted(kwargs.items())]
    outputs = [_spec(name, spec) for name, spec in sorted(signature.structured_outputs.items())]
    return inputs, outputs


def check_declared_inputs(declared: list[TensorSpec], actual: list[TensorSpec], source: str) -> None:
    """Declared inputs (tf2aif.json) must name the model's inputs, with compatible shapes and dtypes."""
    problems: list[str] = []
    by_name = {s.name: s for s in actual}
    for i, want in enumerate(declared):
        have = by_name.get(want.name)
        where = f"tf2aif.json inputs[{i}]"
        if have is None:
            problems.append(f"{where}.name: the model has no input {want.name!r} (it has: {', '.join(by_name)})")
            continue
        if want.dtype != have.dtype:
            problems.append(f"{where}.dtype: {want.dtype} declared, the model takes {have.dtype}")
        if len(want.shape) != len(have.shape) or any(w is not None and h is not None and w != h for w, h in zip(want.shape, have.shape)):
            problems.append(f"{where}.shape: {list(want.shape)} declared, the model takes {list(have.shape)}")
    missing = set(by_name) - {d.name for d in declared}
    if missing:
        problems.append(f"tf2aif.json inputs: the model also takes {', '.join(sorted(missing))}; declare every input")
    if problems:
        raise ToolchainError(f"{source} does not match its declared inputs:\n  - " + "\n  - ".join(problems))
