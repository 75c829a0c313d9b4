"""inspect: the input/output specs of a SavedModel or Keras file, for scaffolding tf2aif.json."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from ..errors import ToolchainError
from ..graph import savedmodel
from .build_model import _from_keras


def inspect(fmt: str, path: Path) -> dict:
    if fmt == "savedmodel":
        _, signature = savedmodel.load_signature(path)
    elif fmt == "keras":
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / "saved_model"
            _from_keras(path, target)
            _, signature = savedmodel.load_signature(target)
    else:
        raise ToolchainError(f"cannot inspect format {fmt!r}: give a SavedModel folder or a Keras file")
    inputs, outputs = savedmodel.describe(signature)
    return {"inputs": [s.to_json() for s in inputs], "outputs": [s.to_json() for s in outputs]}


def main(fmt: str, path: Path) -> None:
    json.dump(inspect(fmt, path), sys.stdout)
    sys.stdout.write("\n")
