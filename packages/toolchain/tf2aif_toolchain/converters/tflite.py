"""TFLite converter, FP32 (TF2AIF's CPU pair). The INT8 path is quantizers/tflite_int8.py."""
from __future__ import annotations

from pathlib import Path

from ..env import import_tensorflow
from ..errors import ToolchainError
from ..job import Job
from ..savedmodel import SIGNATURE

ARTIFACT = "model.tflite"


def unsupported_ops(message: str) -> list[str]:
    """Op names from a TFLite converter error ("... ops are not supported ...: tf.Foo, tf.Bar")."""
    import re  # noqa: PLC0415

    return sorted(set(re.findall(r"\btf\.([A-Z][A-Za-z0-9_]+)", message)))


def run_converter(converter, job: Job, what: str) -> bytes:
    try:
        return converter.convert()
    except Exception as e:  # noqa: BLE001 (the converter raises ConverterError and friends)
        ops = unsupported_ops(str(e))
        platform = job.require("platform", str)
        if ops:
            raise ToolchainError(
                f"{what} for platform {platform}: the model uses op(s) {', '.join(ops)} that TFLite builtins cannot run; "
                "change the model or pick another runtime for this platform"
            ) from e
        raise ToolchainError(f"{what} for platform {platform} failed: {str(e).strip().splitlines()[-1]}") from e


def from_saved_model(saved_model: Path):
    tf = import_tensorflow()
    return tf.lite.TFLiteConverter.from_saved_model(str(saved_model), signature_keys=[SIGNATURE])


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    tf = import_tensorflow()
    converter = from_saved_model(saved_model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    (out_dir / ARTIFACT).write_bytes(run_converter(converter, job, "TFLite FP32 conversion"))
    return {"artifact": ARTIFACT, "format": "tflite", "toolchain": {"tensorflow": tf.__version__}}
