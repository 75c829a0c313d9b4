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

    try:
        model_proto, _ = tf2onnx.convert.from_function(serving, input_signature=specs, opset=OPSET)
    except Exception as e:  # noqa: BLE001
        ops = unsupported_ops(str(e))
        platform = job.require("platform", str)
        if ops:
            raise ToolchainError(f"ONNX conversion for platform {platform}: tf2onnx cannot convert op(s) {', '.join(ops)}") from e
        raise ToolchainError(f"ONNX conversion for platform {platform} failed: {str(e).strip().splitlines()[-1]}") from e
    onnx.checker.check_model(model_proto)
    onnx.save(model_proto, str(out_dir / ARTIFACT))
    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        "opset": OPSET,
        "toolchain": {"tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__, "onnx": onnx.__version__},
    }
