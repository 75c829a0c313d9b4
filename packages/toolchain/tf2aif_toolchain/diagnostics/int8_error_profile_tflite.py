"""Where a TFLite INT8 model loses accuracy: the SQNR of every activation against the float .tflite it was
quantized beside (the convert step's output), layer by layer, as int8_error_profile does for ONNX models.

Both interpreters keep every intermediate tensor (LiteRT's experimental_preserve_all_tensors); the INT8 model's
tensors are dequantized with their own scale and zero point, and tensors are matched by name (the converter
names an op's output after the TF ops it fused, alike in both models). Weights are not compared: only graph
inputs and op outputs. Keeping every tensor makes LiteRT drop its default XNNPACK delegate, so the profile runs
the built-in kernels, not the ones verify measured with: it says where the error arises, verify says how much.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..runtimes.tflite import dequantize_output, quantize_input
from .int8_error_profile import ErrorProfile, Node, compare, summarize


def layer_name(tensor_name: str) -> str:
    """A fused op's output is named after every TF op it holds (`a/Relu;a/BiasAdd;a/Conv2D`): the first is the layer's."""
    return tensor_name.split(";")[0].removeprefix("StatefulPartitionedCall:").removeprefix("StatefulPartitionedCall/")


def run_all_tensors(model: Path, batches: list[dict[str, np.ndarray]]) -> tuple[dict[str, np.ndarray], list[Node], set[str], dict[str, str]]:
    """Every activation of `model` over `batches` (as floats, concatenated), its ops, its input tensors, and its
    output tensors with their signature names."""
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_path=str(model), num_threads=os.cpu_count(), experimental_preserve_all_tensors=True)
    runner = interpreter.get_signature_runner("serving_default")
    details = {d["index"]: d for d in interpreter.get_tensor_details()}
    ops = interpreter._get_ops_details()  # noqa: SLF001 (the op graph; LiteRT has no public accessor for it)
    produced = {int(i) for op in ops for i in op["outputs"] if i >= 0}
    inputs = {details[d["index"]]["name"] for d in runner.get_input_details().values()}
    outputs = {details[d["index"]]["name"]: name for name, d in runner.get_output_details().items()}
    activations = sorted(produced | {i for i, d in details.items() if d["name"] in inputs})
    seen: dict[str, list[np.ndarray]] = {}
    for batch in batches:
        runner(**{name: quantize_input(batch[name], detail) for name, detail in runner.get_input_details().items()})
        for index in activations:
            value = interpreter.get_tensor(index)
            seen.setdefault(details[index]["name"], []).append(dequantize_output(np.array(value), details[index]).reshape(-1))
    nodes = [
        Node(
            layer_name(details[int(op["outputs"][0])]["name"]),
            op["op_name"],
            [details[int(i)]["name"] for i in op["inputs"] if i >= 0],
            [details[int(o)]["name"] for o in op["outputs"] if o >= 0],
            details[int(op["outputs"][0])]["name"],
        )
        for op in ops
        if len(op["outputs"])
    ]
    return {name: np.concatenate(values) for name, values in seen.items()}, nodes, inputs, outputs


def _alias_conversions(floats: dict[str, np.ndarray], nodes: list[Node]) -> None:
    """The INT8 model's (de)quantize ops have no float counterpart: a tensor on either side of one is compared
    with the float tensor on the other, so the layers after them are measured (the input's rounding included)."""
    for node in nodes:
        if node.op in ("QUANTIZE", "DEQUANTIZE") and node.inputs and node.outputs:
            source, target = node.inputs[0], node.outputs[0]
            if source in floats and target not in floats:
                floats[target] = floats[source]
            elif target in floats and source not in floats:
                floats[source] = floats[target]


def profile(float_model: Path, int8_model: Path, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None:
    """Per-tensor SQNR of the INT8 model against the float one; None when no tensor names match."""
    floats, _, _, _ = run_all_tensors(float_model, batches)
    quantized, nodes, inputs, outputs = run_all_tensors(int8_model, batches)
    _alias_conversions(floats, nodes)
    found = summarize(nodes, inputs, list(outputs), compare(floats, quantized))
    # outputs by the signature's names (output_0), as verify reports them
    return found and replace(found, outputs_db={outputs.get(name, name): db for name, db in found.outputs_db.items()})
