"""Native TensorFlow baseline: the SavedModel itself, served through its signature."""

from __future__ import annotations

from pathlib import Path

from ..artifact import link_tree, read_model_meta
from ..job import Job

ARTIFACT = "saved_model"
# the native baseline runs the model as its user made it: the original SavedModel, not build-model's prepared
# graph (a mixed_float16 model keeps its float16 compute here; prepare.py widens it only for converters)
STARTS_FROM_ORIGINAL = True


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    # links to build-model's SavedModel: the baseline deploys the very files (compose copies them into the image)
    link_tree(saved_model, out_dir / ARTIFACT)
    tensorflow = read_model_meta(saved_model.parent)["tensorflow"]
    return {"artifact": ARTIFACT, "format": "savedmodel", "toolchain": {"tensorflow": tensorflow}}
