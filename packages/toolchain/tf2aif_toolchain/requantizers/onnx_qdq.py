"""Mixed precision for the ONNX QDQ quantizers (onnx_int8, vitis_pow2, tensorrt_calibration): the same
quantization with ONNX Runtime's `nodes_to_exclude`, the layers ranked by int8_error_profile (steps/mixed_precision.py
drives the search). Nodes are named as in the float model the QDQ model was made from, which the profile also
reads, so a profile's keys are what `nodes_to_exclude` takes.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

from ..diagnostics import int8_error_profile
from ..diagnostics.int8_error_profile import ErrorProfile
from .float_model import FloatModelRequantizer

# ops whose weights make them the model's multiply-accumulates (the budget's measure)
MAC_OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul")


def _dims(value_info) -> list[int]:
    return [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else 1 for d in value_info.type.tensor_type.shape.dim]


def node_macs(model_path: Path) -> dict[str, int]:
    """Multiply-accumulates per sample of every node (0 for those without weights), from the model's inferred
    shapes; an unknown dimension counts as 1."""
    import onnx  # noqa: PLC0415

    model = onnx.load(str(model_path), load_external_data=False)
    if not model.graph.value_info:  # a converted model, not pre-processed: its shapes are not inferred yet
        model = onnx.shape_inference.infer_shapes(model)
    graph = model.graph
    shapes = {vi.name: _dims(vi) for vi in [*graph.value_info, *graph.output, *graph.input]}
    weights = {init.name: list(init.dims) for init in graph.initializer}
    macs: dict[str, int] = {}
    for node in graph.node:
        if not node.name:
            continue
        w = weights.get(node.input[1]) if node.op_type in MAC_OPS and len(node.input) > 1 else None
        out = shapes.get(node.output[0])
        if not w or not out:
            macs[node.name] = 0
            continue
        trans_b = any(a.name == "transB" and a.i for a in node.attribute)
        # weights per output value: Conv [Cout, Cin/g, kh, kw]; MatMul [K, N]; Gemm [K, N] or, transposed, [N, K]
        per_output = math.prod(w) // max(
            1, w[1] if node.op_type == "ConvTranspose" else w[0] if node.op_type == "Conv" or (node.op_type == "Gemm" and trans_b) else w[-1]
        )
        macs[node.name] = int(math.prod(out[1:]) * per_output)
    return macs


def output_producers(model_path: Path) -> dict[str, str]:
    """Graph output name -> the node that writes it."""
    import onnx  # noqa: PLC0415

    graph = onnx.load(str(model_path), load_external_data=False).graph
    writers = {out: node.name for node in graph.node for out in node.output}
    return {o.name: writers[o.name] for o in graph.output if o.name in writers}


def node_layers(model_path: Path) -> dict[str, tuple[str, str]]:
    """Node name -> the node as the user's layer path, and its op type."""
    import onnx  # noqa: PLC0415

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return {node.name: (int8_error_profile.layer_name(node), node.op_type) for node in graph.node}


def ranges_cache(prepared: Path, op_types: list[str] | None, method, extra: dict, batches: list[dict[str, np.ndarray]], work: Path) -> Path:
    """Calibrates once and saves the ranges where quantize_static reads them (calibration_cache_path), so each
    mixed-precision attempt quantizes without calibrating again."""
    from onnxruntime.quantization import create_calibrator, save_tensors_data  # noqa: PLC0415

    from ..quantizers.vitis_pow2 import _reader  # noqa: PLC0415

    calibrator = create_calibrator(
        prepared, op_types, augmented_model_path=str(work / "augmented.onnx"), calibrate_method=method, extra_options=extra
    )
    calibrator.collect_data(_reader(batches))
    cache = work / "ranges.json"
    save_tensors_data(calibrator.compute_data(), cache)
    return cache


def quantize_from_ranges(
    model: Path,
    out: Path,
    cache: Path,
    *,
    ops: list[str],
    excluded: list[str] | None,
    per_channel: bool,
    signed_activations: bool,
    method,
    extra: dict,
) -> None:
    """ONNX Runtime's static QDQ quantization on ranges calibrated before (ranges_cache, or save_tensors_data of
    ranges of one's own): no second calibration pass; INT8 weights, activations INT8 or UINT8."""
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static  # noqa: PLC0415

    quantize_static(
        str(model),
        str(out),
        calibration_data_reader=None,
        calibration_cache_path=str(cache),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=ops,
        nodes_to_exclude=list(excluded or []),
        per_channel=per_channel,
        activation_type=QuantType.QInt8 if signed_activations else QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        calibrate_method=method,
        extra_options=extra,
    )


class OnnxRequantizer(FloatModelRequantizer):
    """mixed_precision.Requantizer for a QDQ model made from `float_model` by `write_qdq(excluded, out_dir)`."""

    def __init__(self, float_model: Path, write_qdq: Callable[[list[str], Path], dict], work: tempfile.TemporaryDirectory | None = None) -> None:
        super().__init__(float_model, macs=node_macs, outputs=output_producers, layers=node_layers)
        self._write = write_qdq
        self._work = work  # held while the search runs: the prepared model and the ranges live there

    def write(self, excluded: list[str], out_dir: Path) -> dict:
        return self._write(excluded, out_dir)

    def profile(self, artifact_dir: Path, meta: dict, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None:
        # a TensorRT variant's artifact is the float model; its INT8 emulation is what the check ran
        qdq = artifact_dir / (meta.get("cpuEmulation") or meta["artifact"])
        return int8_error_profile.profile(self.float_model, qdq, batches[0])
