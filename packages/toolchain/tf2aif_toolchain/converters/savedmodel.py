"""Native TensorFlow baseline: the SavedModel itself, served through its signature."""
from __future__ import annotations

import shutil
from pathlib import Path

from ..env import import_tensorflow
from ..job import Job

ARTIFACT = "saved_model"
# the native baseline runs the model as its user made it: the original SavedModel, not build-model's prepared
# graph (a mixed_float16 model keeps its float16 compute here; prepare.py widens it only for converters)
STARTS_FROM_ORIGINAL = True


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    tf = import_tensorflow()
    shutil.copytree(saved_model, out_dir / ARTIFACT)
    return {"artifact": ARTIFACT, "format": "savedmodel", "toolchain": {"tensorflow": tf.__version__}}
