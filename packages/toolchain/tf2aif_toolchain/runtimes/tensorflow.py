"""Native TensorFlow: the SavedModel's serving signature (the reference, and the -tf baselines)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..graph import savedmodel


class TensorFlowRunner:
    def __init__(self, saved_model_dir: Path) -> None:
        self._loaded, self._fn = savedmodel.load_signature(saved_model_dir)
        self.inputs, self.outputs = savedmodel.describe(self._fn)
        self.description = "TensorFlow SavedModel signature"

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        result = self._fn(**batch)
        return {name: value.numpy() for name, value in result.items()}


def load(artifact_dir: Path, meta: dict) -> TensorFlowRunner:
    return TensorFlowRunner(artifact_dir / meta["artifact"])
