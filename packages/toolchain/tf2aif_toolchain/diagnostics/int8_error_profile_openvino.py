"""Where an OpenVINO INT8 model (NNCF's) loses accuracy: the SQNR of every op's output against the float IR it was
quantized from, layer by layer, as int8_error_profile does for ONNX models.

NNCF keeps the float IR's ops and their friendly names and adds FakeQuantize ops on the inputs of the layers it
quantizes, so the ops of the float IR are looked up by name in the INT8 one; both run with every op output
exposed as a model output. The INT8 IR runs with the CPU plugin's low-precision transformations off, so each
FakeQuantize is computed as the quantize-dequantize it stands for: with them on, an exposed convolution and its ReLU
gave the ReLU's output in the quantized scale (7e-6 for 0.63, OpenVINO 2026.4, the tests' spread model), every
tensor after it zero. The figures say where the error arises, not how fast the INT8 kernels run. A layer's loss
is the SQNR of its worst input, as its writer produced it, minus that of its output: what keeping that layer
float (NNCF's ignored scope drops the FakeQuantize ops on its inputs and weights) undoes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..progress import log
from ..runtimes.openvino import compile_cpu
from .int8_error_profile import ErrorProfile, Node, compare, summarize

# ops that compute nothing a layer could lose accuracy in
SKIPPED = {"Constant", "Parameter", "Result"}


def tensor_name(output) -> str:
    """An op output as the profile names it: the op's friendly name and the port."""
    return f"{output.get_node().get_friendly_name()}:{output.get_index()}"


def graph(model) -> tuple[list[Node], set[str], dict[str, str]]:
    """The model's ops as profile nodes (keyed by friendly name, NNCF's ignored-scope name), its input tensors, and
    its output tensors with the output's name."""
    nodes = [
        Node(
            op.get_friendly_name(),
            op.get_type_name(),
            [tensor_name(v) for v in op.input_values() if v.get_node().get_type_name() != "Constant"],
            [tensor_name(o) for o in op.outputs()],
            op.get_friendly_name(),
        )
        for op in model.get_ordered_ops()
        if op.get_type_name() not in SKIPPED
    ]
    inputs = {tensor_name(p.output(0)) for p in model.get_parameters()}
    outputs = {tensor_name(o.get_node().input_value(0)): o.any_name for o in model.outputs}
    return nodes, inputs, outputs


def compile_for_profile(model):
    """The model on the CPU plugin, f32 as every variant runs, FakeQuantize emulated (low-precision transformations
    off: an internal property of the CPU plugin; where a release drops it, the plugin's default)."""
    import openvino as ov  # noqa: PLC0415

    try:
        return ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32", "LP_TRANSFORMS_MODE": False})
    except RuntimeError as e:
        # said, not silent: with the transformations on, a tensor after a fused pair may read in the quantized scale
        log(f"warning: the CPU plugin refused LP_TRANSFORMS_MODE ({str(e).strip()[:120]}); the INT8 profile may misplace the loss")
        return compile_cpu(model)


def run_all_outputs(model, names: set[str], batches: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The outputs of the ops named in `names` (friendly names) over `batches`, each flattened and concatenated."""
    wanted = [o for op in model.get_ordered_ops() if op.get_friendly_name() in names for o in op.outputs()]
    model.add_outputs(wanted)
    compiled = compile_for_profile(model)
    request = compiled.create_infer_request()
    # a tensor that already was a model output is exposed twice: read once
    ports = dict(zip((tensor_name(port.get_node().input_value(0)) for port in model.outputs), compiled.outputs))
    seen: dict[str, list[np.ndarray]] = {}
    for batch in batches:
        results = request.infer(batch)
        for key, port in ports.items():
            seen.setdefault(key, []).append(np.array(results[port], copy=True).reshape(-1))
    return {key: np.concatenate(parts) for key, parts in seen.items()}


def profile(float_xml: Path, int8_xml: Path, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None:
    """Per-op SQNR of the INT8 IR against the float one; None when no op of the one is found in the other."""
    import openvino as ov  # noqa: PLC0415

    core = ov.Core()
    float_model, int8_model = core.read_model(str(float_xml)), core.read_model(str(int8_xml))
    nodes, inputs, outputs = graph(float_model)
    names = {n.name for n in nodes} & {op.get_friendly_name() for op in int8_model.get_ops()}
    found = summarize(
        nodes, inputs, list(outputs), compare(run_all_outputs(float_model, names, batches), run_all_outputs(int8_model, names, batches))
    )
    # outputs by the model's output names (output_0), as verify reports them
    return found and replace(found, outputs_db={outputs.get(name, name): db for name, db in found.outputs_db.items()})
