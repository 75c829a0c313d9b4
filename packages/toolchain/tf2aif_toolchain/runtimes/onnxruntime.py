"""ONNX Runtime (CPU execution provider here)."""
from __future__ import annotations

from pathlib import Path

import numpy as np


class OnnxRuntimeRunner:
    def __init__(self, model_path: Path) -> None:
        import onnxruntime as ort  # noqa: PLC0415

        self._session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self._session.get_outputs()]
        self.description = "ONNX Runtime, CPUExecutionProvider"

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(zip(self._outputs, self._session.run(self._outputs, batch)))


def load(artifact_dir: Path, meta: dict) -> OnnxRuntimeRunner:
    return OnnxRuntimeRunner(artifact_dir / meta["artifact"])
