"""OpenVINO IR, FP32, for x86 CPUs: the SavedModel read by OpenVINO's TensorFlow frontend (no TensorFlow import).

The IR keeps the model's batch dimension as it is (dynamic for Keras models): the CPU plugin runs any batch size.
Weights stay FP32 (save_model would otherwise compress them to FP16).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..artifact import read_model_meta
from ..errors import ToolchainError, UnsupportedOps
from ..job import Job

ARTIFACT = "openvino_model"  # a folder: model.xml (graph) + model.bin (weights)
XML = "model.xml"


def _matches(names: set[str], wanted: str) -> bool:
    """OpenVINO may name a tensor 'x' or 'x:0'."""
    return wanted in names or any(n.split(":")[0] == wanted for n in names)


def name_ports(ports, wanted: list[str], what: str) -> None:
    """Give every port exactly its signature name, so a runner can key results by it."""
    unmatched = [p for p in ports if not any(_matches(p.get_names(), w) for w in wanted)]
    if len(ports) == len(wanted) == 1 and unmatched:
        ports[0].get_tensor().set_names({wanted[0]})  # one output: no ambiguity, whatever OpenVINO called it
        return
    if unmatched or len(ports) != len(wanted):
        found = [sorted(p.get_names()) for p in ports]
        raise ToolchainError(f"OpenVINO's {what} {found} do not map one to one onto the SavedModel signature's {wanted}")
    for port in ports:
        port.get_tensor().set_names({next(w for w in wanted if _matches(port.get_names(), w))})


def unsupported_ops(message: str) -> list[str]:
    """Op names from the frontend's report ("No conversion rule found for operations: A, B")."""
    found = re.search(r"No conversion rule found for operations: ([^\n]+)", message)
    return sorted({op.strip() for op in found.group(1).split(",") if op.strip()}) if found else []


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    import openvino as ov  # noqa: PLC0415

    signature = read_model_meta(saved_model.parent)
    try:
        model = ov.convert_model(str(saved_model))
    except Exception as e:  # noqa: BLE001 (the frontend raises OpConversionFailure and friends)
        subject = job.subject
        ops = unsupported_ops(str(e))
        if ops:
            raise UnsupportedOps(f"OpenVINO conversion for {subject}: OpenVINO cannot convert op(s) {', '.join(ops)}", ops) from e
        raise ToolchainError(f"OpenVINO conversion for {subject} failed: {str(e).strip().splitlines()[-1]}") from e
    name_ports(model.inputs, [s["name"] for s in signature["inputs"]], "inputs")
    name_ports(model.outputs, [s["name"] for s in signature["outputs"]], "outputs")
    (out_dir / ARTIFACT).mkdir()
    ov.save_model(model, str(out_dir / ARTIFACT / XML), compress_to_fp16=False)
    return {
        "artifact": ARTIFACT,
        "format": "openvino-ir",
        "model": f"{ARTIFACT}/{XML}",
        "outputs": [s["name"] for s in signature["outputs"]],
        "toolchain": {"openvino": ov.__version__.split("-")[0]},
    }
