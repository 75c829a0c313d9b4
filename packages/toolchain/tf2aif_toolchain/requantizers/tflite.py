"""Mixed precision for TFLite full-integer INT8 (tflite_int8): the model calibrated once, then quantized by
TFLite's MLIR quantizer with `denylisted_nodes` (the mechanism of TFLite's quantization debugger, selective
quantization): a denylisted op keeps its float kernel, with (de)quantize ops around it. steps/mixed_precision.py drives
the search; int8_error_profile_tflite ranks the ops. An op is named by its first output tensor, alike in the float
.tflite, the calibrated model and the INT8 one.

Where an op kept float writes a model output (a softmax head whose probabilities an 8-bit output zeroes), that
output stays float32 too: requantized to the uint8/int8 I/O type it would lose what the float op kept.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..artifact import converted_artifact
from ..converters.tflite import ARTIFACT, converter_for, run_converter
from ..data import Samples
from ..diagnostics import int8_error_profile_tflite
from ..diagnostics.int8_error_profile import ErrorProfile
from ..env import import_tensorflow
from ..job import Job
from .float_model import FloatModelRequantizer

# ops with weights: the model's multiply-accumulates (the budget's measure); the output channels' axis of their weights
MAC_OPS = {"CONV_2D": 0, "FULLY_CONNECTED": 0, "TRANSPOSE_CONV": 0, "CONV_3D": -1, "DEPTHWISE_CONV_2D": -1}


def _graph(model: Path):
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_path=str(model), num_threads=os.cpu_count())
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    return interpreter, details, interpreter._get_ops_details()  # noqa: SLF001 (no public accessor for the op graph)


def op_macs(model: Path) -> dict[str, int]:
    """Multiply-accumulates per sample of every op (0 for those without weights), by its first output tensor."""
    _, details, ops = _graph(model)
    macs: dict[str, int] = {}
    for op in ops:
        outputs = [int(o) for o in op["outputs"] if o >= 0]
        if not outputs:
            continue
        key = details[outputs[0]]["name"]
        axis = MAC_OPS.get(op["op_name"])
        inputs = [int(i) for i in op["inputs"] if i >= 0]
        if axis is None or len(inputs) < 2:
            macs[key] = 0
            continue
        w = [max(1, int(d)) for d in details[inputs[1]]["shape"]]
        out = [max(1, int(d)) for d in details[outputs[0]]["shape"]]
        macs[key] = int(math.prod(out[1:]) * math.prod(w) // max(1, w[axis]))
    return macs


def output_tensors(model: Path) -> dict[str, str]:
    """Signature output name -> the tensor (and so the op) that writes it."""
    interpreter, details, _ = _graph(model)
    runner = interpreter.get_signature_runner("serving_default")
    return {name: details[d["index"]]["name"] for name, d in runner.get_output_details().items()}


def op_layers(model: Path) -> dict[str, tuple[str, str]]:
    """An op's first output tensor -> its layer as the user knows it, and its op type."""
    _, details, ops = _graph(model)
    layers: dict[str, tuple[str, str]] = {}
    for op in ops:
        if len(op["outputs"]):
            key = details[int(op["outputs"][0])]["name"]
            layers[key] = (int8_error_profile_tflite.layer_name(key), op["op_name"])
    return layers


class TfliteRequantizer(FloatModelRequantizer):
    """mixed_precision.Requantizer for tflite_int8's full-integer scheme."""

    def __init__(self, job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, io_type: str, configure) -> None:
        tf = import_tensorflow()
        converted, float_model = converted_artifact(job, convert_dir, "tflite", "a TFLite model")
        super().__init__(float_model, macs=op_macs, outputs=output_tensors, layers=op_layers, label=int8_error_profile_tflite.layer_name)
        static_batch = converted.get("staticBatch")
        converter = converter_for(job, saved_model, static_batch)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        configure(tf, converter, job, calibration, static_batch or 1)  # tflite_int8's own settings
        converter._experimental_calibrate_only = True  # noqa: SLF001 (TFLite's quantization debugger does the same)
        self.calibrated = run_converter(converter, job, "TFLite calibration for mixed precision")
        self.io_type = io_type

    def write(self, excluded: list[str], out_dir: Path) -> dict:
        tf = import_tensorflow()
        from tensorflow.lite.python import convert  # noqa: PLC0415

        io = getattr(tf, self.io_type)
        float_outputs = sorted(name for name, tensor in self.output_layers().items() if tensor in excluded)
        model = convert.mlir_quantize(
            self.calibrated,
            input_data_type=io,
            output_data_type=tf.float32 if float_outputs else io,
            denylisted_nodes=excluded,
        )
        (out_dir / ARTIFACT).write_bytes(model)
        return (
            {"floatOutputs": float_outputs, "floatOutputsReason": "an op kept float writes them: an 8-bit output would lose what it kept"}
            if float_outputs
            else {}
        )

    def profile(self, artifact_dir: Path, meta: dict, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None:
        return int8_error_profile_tflite.profile(self.float_model, artifact_dir / meta["artifact"], batches)
