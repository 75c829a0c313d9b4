"""tf2onnx: the SavedModel's serving signature as ONNX, with the batch dimension fixed to the variant's batch size.

A fixed batch lets TensorRT (GPU, Jetson) and the Vitis AI DPU compilers build static engines, as TF2AIF does.
tf2onnx converts the frozen static-batch graph of graph/static_signature.py: a function that captures tensors (the
constants of a Keras Normalization or Rescaling layer) would get them as extra ONNX inputs.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..env import import_tensorflow
from ..errors import ToolchainError, UnsupportedOps
from ..graph.static_signature import static_graph
from ..job import Job
from .onnx_support.onnx_handlers import HANDLERS
from .onnx_support.tf2onnx_memory import collected_between_passes

ARTIFACT = "model.onnx"
OPSET = 17


def unsupported_ops(message: str) -> list[str]:
    """Op names from a tf2onnx failure ("Tensorflow op [x: Foo] is not supported")."""
    return sorted(set(re.findall(r"Tensorflow op \[[^\]]*: ([A-Za-z0-9_]+)\] is not supported", message)))


def unconverted_ops(model_proto) -> list[str]:
    """TensorFlow ops tf2onnx left in the graph as they were: it logs them and carries on, so the model would
    only fail later, in the ONNX checker or a runtime, with a message that does not say what to change."""
    import onnx  # noqa: PLC0415

    return sorted({n.op_type for n in model_proto.graph.node if n.domain in ("", "ai.onnx") and not onnx.defs.has(n.op_type)})


def check_signature_io(model_proto, inputs: list[str], outputs: list[str], subject: str) -> None:
    """The ONNX graph must take and produce exactly the signature's tensors, by name: calibration, verify and
    the server feed and read them by those names."""
    graph = model_proto.graph
    initializers = {t.name for t in graph.initializer}
    have_in = [i.name for i in graph.input if i.name not in initializers]
    have_out = [o.name for o in graph.output]
    problems = []
    for kind, have, want in (("input", have_in, inputs), ("output", have_out, outputs)):
        extra = [n for n in have if n not in want]
        missing = [n for n in want if n not in have]
        if extra:
            problems.append(f"extra {kind}(s) {', '.join(map(repr, extra))}")
        if missing:
            problems.append(f"missing {kind}(s) {', '.join(map(repr, missing))}")
    if problems:
        raise ToolchainError(
            f"ONNX conversion for {subject}: the ONNX model does not match the serving signature "
            f"({'; '.join(problems)}; the signature has inputs {inputs} and outputs {outputs}); "
            "this is a converter fault: report it with the model, or pick another runtime for this platform"
        )


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    tf = import_tensorflow()
    import onnx  # noqa: PLC0415
    import tf2onnx  # noqa: PLC0415

    static = static_graph(saved_model, job.batch_size, job.inputs)
    subject = job.subject
    inputs, outputs = static.input_tensors, static.output_tensors
    # the graph's tensors (image:0, Identity:0) take the signature's names (image, output_0)
    rename = {**{t: n for n, t in inputs.items()}, **{t: n for n, t in outputs.items()}}
    try:
        with collected_between_passes():
            model_proto, _ = tf2onnx.convert.from_graph_def(
                static.graph_def,
                input_names=list(inputs.values()),
                output_names=list(outputs.values()),
                opset=OPSET,
                custom_op_handlers=HANDLERS,
                tensors_to_rename=rename,
            )
    except Exception as e:  # noqa: BLE001
        ops = unsupported_ops(str(e))
        if ops:
            raise UnsupportedOps(f"ONNX conversion for {subject}: tf2onnx cannot convert op(s) {', '.join(ops)}", ops) from e
        raise ToolchainError(f"ONNX conversion for {subject} failed: {str(e).strip().splitlines()[-1]}") from e
    ops = unconverted_ops(model_proto)
    if ops:
        raise UnsupportedOps(f"ONNX conversion for {subject}: tf2onnx cannot convert op(s) {', '.join(ops)}", ops)
    check_signature_io(model_proto, list(inputs), list(outputs), subject)
    try:
        onnx.checker.check_model(model_proto)
    except onnx.checker.ValidationError as e:
        raise ToolchainError(f"ONNX conversion for {subject}: the converted model is not valid ONNX: {str(e).strip().splitlines()[0]}") from e
    onnx.save(model_proto, str(out_dir / ARTIFACT))
    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        "opset": OPSET,
        "toolchain": {"tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__},
    }
