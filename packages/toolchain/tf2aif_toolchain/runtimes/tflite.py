"""TFLite / LiteRT interpreter (XNNPACK on CPU), through the model's serving signature."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np


def quantize_input(x: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero = detail["quantization"]
    dtype = detail["dtype"]
    if scale == 0 or not np.issubdtype(dtype, np.integer) or np.issubdtype(x.dtype, np.integer):
        return x.astype(dtype, copy=False)
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero), info.min, info.max).astype(dtype)


def dequantize_output(y: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero = detail["quantization"]
    if scale == 0 or not np.issubdtype(y.dtype, np.integer):
        return y
    return ((y.astype(np.float32) - zero) * scale).astype(np.float32)


# TF2AIF_TFLITE_XNNPACK=0 runs LiteRT's built-in kernels instead of its default XNNPACK delegate. For arm64
# images under qemu-user emulation: there XNNPACK's INT8 kernels compute wrong numbers (every digit came out
# as the same class) where the built-in ones match an x86-64 run exactly (tools/arm64-emulation/README.md).
XNNPACK_SWITCH = "TF2AIF_TFLITE_XNNPACK"


class TFLiteRunner:
    def __init__(self, model_path: Path, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: PLC0415 (heavy import, only when used)

        xnnpack = os.environ.get(XNNPACK_SWITCH, "1") != "0"
        resolver = {} if xnnpack else {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
        self._interpreter = Interpreter(model_path=str(model_path), num_threads=threads or os.cpu_count(), **resolver)
        self._runner = self._interpreter.get_signature_runner("serving_default")
        self._in = self._runner.get_input_details()
        self._out = self._runner.get_output_details()
        self.description = "LiteRT interpreter (XNNPACK, CPU)" if xnnpack else f"LiteRT interpreter (built-in kernels, {XNNPACK_SWITCH}=0)"

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feed = {name: quantize_input(batch[name], detail) for name, detail in self._in.items()}
        result = self._runner(**feed)
        return {name: dequantize_output(value, self._out[name]) for name, value in result.items()}


def load(artifact_dir: Path, meta: dict) -> TFLiteRunner:
    return TFLiteRunner(artifact_dir / meta["artifact"])
