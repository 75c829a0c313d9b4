"""Where an INT8 ONNX model loses accuracy: the SQNR of every tensor against the float model, layer by layer.

Run when an INT8 QDQ variant (gpu's CPU check, alveo) fails verify (int8_error_profile_tflite does the same for
TFLite INT8 variants), so the message names the layers that lose the
most instead of only the output's cosine. Both models run on the same inputs with every intermediate tensor exposed
(ONNX Runtime's qdq_loss_debug augments them); a tensor's SQNR is 10 log10(|float|^2 / |float - int8|^2) over
the batch, and a node's loss is the SQNR of its worst activation input minus that of its output. On the zoo this
tells apart a model where one layer breaks (a single large loss) from one whose error grows a little in every
block (MobileNetV3Small on alveo: 45 dB after the first layer, 5 dB at the logits, no layer over 9 dB).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# a tensor computed identically in both models (a graph input): its SQNR is taken as this, not infinity
EXACT_DB = 100.0
SHOWN_LAYERS = 3
# share of the float model's tensors the QDQ model must name alike for its BatchNorm-folded twin to be skipped
MATCHED_ENOUGH = 0.9
_TINY = 1e-30
SAVED_SUFFIX = "_ReshapedSavedOutput"
DEQUANTIZED_SUFFIX = "_DequantizeLinear_Output"


@dataclass(frozen=True)
class LayerLoss:
    node: str  # as the user knows the layer
    op: str
    loss_db: float
    after_db: float
    key: str = ""  # the node as its quantizer names it (what mixed precision keeps in float)
    readers: tuple[str, ...] = ()  # keys of the nodes that read its output (where a quantize op's loss is undone)


@dataclass(frozen=True)
class ErrorProfile:
    tensors: int  # tensors compared
    first_db: float  # SQNR after the first layer (the best a later layer can start from)
    outputs_db: dict[str, float]
    worst: list[LayerLoss]
    ranked: tuple[LayerLoss, ...] = ()  # every layer measured, the largest loss first

    @property
    def total_loss_db(self) -> float:
        return self.first_db - min(self.outputs_db.values())

    def as_json(self) -> dict:
        return {
            "tensorsCompared": self.tensors,
            "firstLayerSqnrDb": round(self.first_db, 2),
            "outputSqnrDb": {k: round(v, 2) for k, v in self.outputs_db.items()},
            "largestLayerLosses": [
                {"node": w.node, "op": w.op, "lossDb": round(w.loss_db, 2), "sqnrAfterDb": round(w.after_db, 2)} for w in self.worst
            ],
        }


def sqnr_db(reference: np.ndarray, other: np.ndarray) -> float | None:
    """Signal-to-quantization-noise ratio in dB; None for tensors that are not comparable floats (constant zero,
    or with infinities or NaNs in the float model). Taken as a difference of logarithms: a ratio of two sums that
    span many decades underflows to 0 (math.log10(0) raised 'math domain error' on a model with a very wide
    dynamic range)."""
    if reference.size != other.size or not np.issubdtype(reference.dtype, np.floating) or reference.size < 2:
        return None
    r = reference.astype(np.float64).ravel()
    o = other.astype(np.float64).ravel()
    if not np.isfinite(r).all():
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        signal = float(np.sum(r**2))
        noise = float(np.sum((r - o) ** 2))
    if not math.isfinite(signal) or signal <= _TINY:
        return None
    if not math.isfinite(noise):
        return -EXACT_DB  # the quantized model overflowed or produced NaN here: nothing of the signal is left
    return max(-EXACT_DB, min(EXACT_DB, 10 * (math.log10(signal) - math.log10(max(noise, _TINY)))))


# trailing parts of a weight's tensor name that name the TF op, not the Keras layer
_OP_PARTS = {"convolution", "merged_input", "ReadVariableOp", "Conv2D", "MatMul", "BiasAdd", "depthwise", "kernel", "Cast"}


def _strip(name: str) -> str:
    return name.removeprefix("StatefulPartitionedCall/").split(":")[0]


def layer_name(node) -> str:
    """A node as the user's layer path. tf2onnx prefixes names with the signature's call, and names the nodes it
    makes itself like Conv__241; their weight's tensor name still carries the Keras layer (conv2d_11_1)."""
    if "/" in node.name:
        return _strip(node.name)
    for weight in node.input[1:]:
        if "/" in weight:
            parts = _strip(weight).split("/")
            while len(parts) > 1 and (parts[-1] in _OP_PARTS or parts[-1].startswith("ReadVariableOp")):
                parts.pop()
            return f"{'/'.join(parts)} [{node.name}]"
    return node.name


def activations(model: Path, feeds: dict[str, np.ndarray], work: Path, exact_int8: bool) -> dict[str, np.ndarray]:
    """Every intermediate tensor of `model` on `feeds` (the graph outputs included)."""
    import onnxruntime as ort  # noqa: PLC0415
    from onnxruntime.quantization.qdq_loss_debug import modify_model_output_intermediate_tensors  # noqa: PLC0415

    augmented = work / f"{model.stem}.all-tensors.onnx"
    modify_model_output_intermediate_tensors(str(model), str(augmented))
    options = ort.SessionOptions()
    if exact_int8:
        options.add_session_config_entry("session.disable_quant_qdq", "1")  # as verify runs it
    session = ort.InferenceSession(str(augmented), sess_options=options, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    # the augmenting tool flattens each tensor it exposes into <name>_ReshapedSavedOutput
    return {name.removesuffix(SAVED_SUFFIX): value for name, value in zip(names, session.run(names, feeds))}


def as_quantized(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each tensor of a QDQ model as the next layer sees it: after its own QuantizeLinear/DequantizeLinear pair."""
    return {name: tensors.get(name + DEQUANTIZED_SUFFIX, value) for name, value in tensors.items() if not name.endswith(DEQUANTIZED_SUFFIX)}


def _float_graph(float_model: Path, qdq_names: set[str], work: Path, feeds: dict) -> tuple[object, dict[str, np.ndarray]]:
    """The float model whose tensor names the QDQ model kept: as converted, or after ORT's quantization
    pre-processing (BatchNorm folded), which some quantizers run first."""
    import onnx  # noqa: PLC0415
    from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

    prepared = work / "prepared.onnx"
    acts = activations(float_model, feeds, work, exact_int8=False)
    best = (len(qdq_names & set(acts)), float_model, acts)
    # the converted model already names what the QDQ model kept (TensorRT's emulation quantizes it as is):
    # pre-processing and running it again would only cost time
    if best[0] < MATCHED_ENOUGH * len(acts):
        quant_pre_process(str(float_model), str(prepared), skip_symbolic_shape=True)
        acts = activations(prepared, feeds, work, exact_int8=False)
        shared = len(qdq_names & set(acts))
        # on a tie the folded twin wins: a fused Conv takes its BatchNorm's output name, so both share as many
        # names, but only in the twin does each Conv connect two compared tensors and get its loss measured
        if shared >= best[0]:
            best = (shared, prepared, acts)
    return onnx.load(str(best[1]), load_external_data=False).graph, best[2]


@dataclass(frozen=True)
class Node:
    """One layer of either format: its name as the user knows it, its op, and the tensors it reads and writes."""

    name: str
    op: str
    inputs: list[str]
    outputs: list[str]
    key: str = ""  # the node as its quantizer names it


def summarize(nodes: list[Node], graph_inputs: set[str], graph_outputs: list[str], sqnr: dict[str, float]) -> ErrorProfile | None:
    """The profile from each compared tensor's SQNR: the first layer's, the outputs', the layers that lose most."""
    outputs = {name: sqnr[name] for name in graph_outputs if name in sqnr}
    if not sqnr or not outputs:
        return None
    losses, firsts = [], []
    readers: dict[str, list[str]] = {}
    for node in nodes:
        for i in node.inputs:
            readers.setdefault(i, []).append(node.key or node.name)
    for node in nodes:
        after = [sqnr[o] for o in node.outputs if o in sqnr]
        before = [EXACT_DB if i in graph_inputs else sqnr[i] for i in node.inputs if i in graph_inputs or i in sqnr]
        if not after or not before:
            continue
        if all(i in graph_inputs for i in node.inputs if i in graph_inputs or i in sqnr):
            firsts.append(min(after))
            continue
        read_by = tuple(dict.fromkeys(r for o in node.outputs for r in readers.get(o, [])))
        losses.append(LayerLoss(node.name, node.op, min(before) - min(after), min(after), node.key or node.name, read_by))
    losses.sort(key=lambda w: w.loss_db, reverse=True)
    first = max(firsts) if firsts else max(sqnr.values())
    return ErrorProfile(len(sqnr), first, outputs, losses[:SHOWN_LAYERS], tuple(losses))


def compare(floats: dict[str, np.ndarray], quantized: dict[str, np.ndarray]) -> dict[str, float]:
    """SQNR of every tensor both models name alike."""
    return {name: value for name in floats.keys() & quantized.keys() if (value := sqnr_db(floats[name], quantized[name])) is not None}


def profile(float_model: Path, qdq_model: Path, feeds: dict[str, np.ndarray]) -> ErrorProfile | None:
    """Per-tensor SQNR of the QDQ model against the float one; None when no tensor names match."""
    with tempfile.TemporaryDirectory(prefix="tf2aif-int8-profile-") as tmp:
        work = Path(tmp)
        quantized = as_quantized(activations(qdq_model, feeds, work, exact_int8=True))
        graph, floats = _float_graph(float_model, set(quantized), work, feeds)
    nodes = [Node(layer_name(n), n.op_type, list(n.input), list(n.output), n.name) for n in graph.node]
    return summarize(nodes, {i.name for i in graph.input}, [o.name for o in graph.output], compare(floats, quantized))


def message(p: ErrorProfile, platform_key: str) -> str:
    """One line: where the INT8 error arises, and what to do about it."""
    worst_out = min(p.outputs_db, key=p.outputs_db.get)
    layers = ", ".join(f"{w.node} ({w.op}, -{w.loss_db:.1f} dB)" for w in p.worst if w.loss_db > 0)
    where = f"SQNR {p.first_db:.0f} dB after the first layer, {p.outputs_db[worst_out]:.1f} dB at output {worst_out}"
    top = p.worst[0] if p.worst else None
    if top and p.total_loss_db > 0 and top.loss_db >= 0.5 * p.total_loss_db:
        cause = f"one layer loses most of it: {top.node} ({top.op}, -{top.loss_db:.1f} of {p.total_loss_db:.1f} dB); check its calibrated range"
    else:
        cause = f"the loss is spread over many layers (largest: {layers or 'none'}), so no single layer is to blame"
    return (
        f"INT8 error profile over {p.tensors} tensors: {where}; {cause}. "
        "Calibrate on real data (calibration.loader) with trained weights, keep this platform in FP32 "
        f'(platforms.{platform_key}.precision "fp32"), or accept the loss (verify.tolerances.int8.minCosine)'
    )
