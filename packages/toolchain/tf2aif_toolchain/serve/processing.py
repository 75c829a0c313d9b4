"""The optional processing file: preprocess(inputs) and postprocess(outputs) hooks around the runtime.

TF2AIF had users write a whole "experiment server" per pair; here one Python file with up to two functions does
the same for every variant. Hooks run per request, in the request's thread, and must keep the batch (first)
dimension, because the THR batcher concatenates preprocessed requests and splits results before postprocess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import ToolchainError
from ..modules import load_user_module
from .errors import InferenceFailed

Tensors = dict[str, np.ndarray]
HOOKS = ("preprocess", "postprocess")


class Processing:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._hooks: dict[str, Callable[[Tensors], Tensors] | None] = dict.fromkeys(HOOKS)
        if path is None:
            return
        module = load_user_module(path, "processing file")
        for name in HOOKS:
            fn = getattr(module, name, None)
            if fn is not None and not callable(fn):
                raise ToolchainError(f"processing file {path}: {name} must be a function (inputs: dict) -> dict")
            self._hooks[name] = fn
        if not any(self._hooks.values()):
            raise ToolchainError(f"processing file {path} defines neither preprocess() nor postprocess()")

    def preprocess(self, tensors: Tensors, batch: int) -> Tensors:
        return self._call("preprocess", tensors, batch)

    def postprocess(self, tensors: Tensors, batch: int) -> Tensors:
        return self._call("postprocess", tensors, batch)

    def _call(self, name: str, tensors: Tensors, batch: int) -> Tensors:
        fn = self._hooks[name]
        if fn is None:
            return tensors
        try:
            result = fn(dict(tensors))
        except Exception as e:  # noqa: BLE001 (user code may raise anything; the request fails, not the server)
            raise InferenceFailed(f"{name} hook in {self.path.name} raised {type(e).__name__}: {e}") from e
        if not isinstance(result, dict):
            raise InferenceFailed(f"{name} hook in {self.path.name} must return a dict of arrays, got {type(result).__name__}")
        out = {}
        for key, value in result.items():
            value = np.asarray(value)
            if value.ndim == 0 or value.shape[0] != batch:
                raise InferenceFailed(
                    f"{name} hook in {self.path.name}: tensor {key!r} has shape {list(value.shape)}; hooks must keep the batch dimension ({batch})"
                )
            out[key] = value
        return out
