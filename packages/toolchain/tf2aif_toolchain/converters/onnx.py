"""tf2onnx: the SavedModel's serving signature as ONNX, with the batch dimension fixed to the variant's batch size.

A fixed batch lets TensorRT (GPU, Jetson) and the Vitis AI DPU compilers build static engines, as TF2AIF does.
"""
from __future__ import annotations

import re
from pathlib import Path

from .. import savedmodel
from ..env import import_tensorflow
from ..errors import ToolchainError
from ..job import Job

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


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    tf = import_tensorflow()
    import onnx  # noqa: PLC0415
    import tf2onnx  # noqa: PLC0415

    _, fn = savedmodel.load_signature(saved_model)
    batch = job.batch_size
    specs = [tf.TensorSpec((batch, *s.shape[1:]), s.dtype, name=s.name) for s in job.inputs]

    @tf.function(input_signature=specs)
    def serving(*args):
        return fn(**{s.name: a for s, a in zip(specs, args)})

    platform = job.require("platform", str)
    try:
        model_proto, _ = tf2onnx.convert.from_function(serving, input_signature=specs, opset=OPSET)
    except Exception as e:  # noqa: BLE001
        ops = unsupported_ops(str(e))
        if ops:
            raise ToolchainError(f"ONNX conversion for platform {platform}: tf2onnx cannot convert op(s) {', '.join(ops)}") from e
        raise ToolchainError(f"ONNX conversion for platform {platform} failed: {str(e).strip().splitlines()[-1]}") from e
    ops = unconverted_ops(model_proto)
    if ops:
        raise ToolchainError(f"ONNX conversion for platform {platform}: tf2onnx cannot convert op(s) {', '.join(ops)}")
    try:
        onnx.checker.check_model(model_proto)
    except onnx.checker.ValidationError as e:
        raise ToolchainError(f"ONNX conversion for platform {platform}: the converted model is not valid ONNX: {str(e).strip().splitlines()[0]}") from e
    onnx.save(model_proto, str(out_dir / ARTIFACT))
    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        "opset": OPSET,
        "toolchain": {"tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__},
    }
