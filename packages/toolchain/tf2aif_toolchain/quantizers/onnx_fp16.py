"""FP16 ONNX from the convert step's FP32 model (TF2AIF's GPU/AGX FP16 pair, run by the TensorRT EP with FP16 on).

Inputs and outputs stay float32 (Cast nodes at the edges) so clients, verify and the server feed the same
arrays as for FP32; only weights and activations inside the graph are halved.
"""

from __future__ import annotations

from pathlib import Path

from ..artifact import converted_artifact
from ..data import Samples
from ..job import Job
from ..progress import log

ARTIFACT = "model.fp16.onnx"


def source_onnx(job: Job, convert_dir: Path) -> Path:
    """The FP32 ONNX model the convert step wrote."""
    return converted_artifact(job, convert_dir, "onnx", "an ONNX model")[1]


def topologically_sorted(graph) -> None:
    """Reorder nodes so each comes after its producers: the converter appends the input Casts at the end,
    which ONNX Runtime accepts but the ONNX checker (and some TensorRT parsers) reject."""
    ready = {i.name for i in graph.input} | {t.name for t in graph.initializer} | {""}
    pending = list(graph.node)
    ordered = []
    while pending:
        remaining = []
        for node in pending:
            if all(name in ready for name in node.input):
                ordered.append(node)
                ready.update(node.output)
            else:
                remaining.append(node)
        if len(remaining) == len(pending):
            # inputs from an enclosing scope or a cycle: keep the rest as they were and let the checker judge
            ordered.extend(remaining)
            break
        pending = remaining
    del graph.node[:]
    graph.node.extend(ordered)


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415
    from onnxruntime.transformers.float16 import convert_float_to_float16  # noqa: PLC0415

    source = source_onnx(job, convert_dir)
    log(f"converting {source.name} to FP16 (float32 inputs and outputs kept)")
    # calibration data is not needed: FP16 has the range of FP32 activations in practice (values past 65504 are clamped)
    model = convert_float_to_float16(onnx.load(str(source)), keep_io_types=True)
    topologically_sorted(model.graph)
    onnx.checker.check_model(model)
    onnx.save(model, str(out_dir / ARTIFACT))
    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        "weightsDtype": "float16",
        "ioDtype": "float32",
        "source": source.name,
        "toolchain": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }
