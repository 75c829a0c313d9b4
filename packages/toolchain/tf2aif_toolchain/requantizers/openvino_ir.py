"""Mixed precision for OpenVINO INT8 (nncf_ov_int8): the same NNCF quantization with the layers to keep float in
its ignored scope, the layers ranked by int8_error_profile_openvino (steps/mixed_precision.py drives the search, as
for the ONNX and TFLite families). Keys are the float IR's friendly names, which NNCF keeps and its ignored scope
takes; layers NNCF leaves without FakeQuantize run on OpenVINO's float kernels.

NNCF's own `quantize_with_accuracy_control` was the mechanism before: it ranks every quantizer group by compiling
the model with that group reverted, 2.6 s a group for NASNetMobile's 410 groups on a 2-core Zen 4, so it ran 1155 s
to revert one layer (0.9560, short of the 0.96 aimed for); this search takes a profile and a quantization per
attempt: 375 s for 16 attempts to 20 layers float (0.9605).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable

import numpy as np

from ..diagnostics import int8_error_profile_openvino
from ..diagnostics.int8_error_profile import ErrorProfile
from .float_model import FloatModelRequantizer

COMPUTE_LAYERS = ("Convolution", "GroupConvolution", "ConvolutionBackpropData", "MatMul")


def _read(xml: Path):
    import openvino as ov  # noqa: PLC0415

    return ov.Core().read_model(str(xml))


def layer_macs(xml: Path) -> dict[str, int]:
    """Multiply-accumulates per sample of every op (0 for those without weights), from the IR's shapes; an unknown
    dimension is 1."""

    def dims(shape) -> list[int]:
        return [d.get_length() if d.is_static else 1 for d in shape] if shape.rank.is_static else []

    macs = {}
    for op in _read(xml).get_ops():
        kind = op.get_type_name()
        if kind in int8_error_profile_openvino.SKIPPED:
            continue
        out, w = (dims(op.get_output_partial_shape(0)), dims(op.get_input_partial_shape(1))) if kind in COMPUTE_LAYERS else ([], [])
        if not out or not w:
            macs[op.get_friendly_name()] = 0
            continue
        if kind == "MatMul":
            per_output = w[-1] if op.get_attributes().get("transpose_b") else (w[-2] if len(w) > 1 else w[0])
        elif kind == "GroupConvolution":
            per_output = math.prod(w) // max(1, w[0] * w[1])
        else:
            per_output = math.prod(w) // max(1, w[0])
        macs[op.get_friendly_name()] = int(math.prod(out[1:]) * per_output)
    return macs


def output_producers(xml: Path) -> dict[str, str]:
    """Output name -> the op that writes it."""
    return {name: o.get_node().input_value(0).get_node().get_friendly_name() for o in _read(xml).outputs for name in o.get_names()}


def op_layers(xml: Path) -> dict[str, tuple[str, str]]:
    """Friendly name -> the same (the converter names ops after the TF layers), and the op type."""
    return {op.get_friendly_name(): (op.get_friendly_name(), op.get_type_name()) for op in _read(xml).get_ops()}


class OpenVinoRequantizer(FloatModelRequantizer):
    """mixed_precision.Requantizer for the INT8 IR that `write_ir(float_layers, out_dir)` quantizes from `float_xml`;
    `finish(out_dir)` adds what only the adopted IR needs (its kernel count)."""

    def __init__(self, float_xml: Path, write_ir: Callable[[list[str], Path], dict], finish: Callable[[Path], dict]) -> None:
        super().__init__(float_xml, macs=layer_macs, outputs=output_producers, layers=op_layers)
        self._write, self._finish = write_ir, finish

    def write(self, excluded: list[str], out_dir: Path) -> dict:
        return self._write(excluded, out_dir)

    def adopted(self, out_dir: Path) -> dict:
        return self._finish(out_dir)

    def profile(self, artifact_dir: Path, meta: dict, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None:
        return int8_error_profile_openvino.profile(self.float_model, artifact_dir / meta["model"], batches)
