"""TFLite full-integer INT8 quantization with a representative dataset (TF2AIF's ARM pair)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..converters.tflite import ARTIFACT, from_saved_model, run_converter
from ..data import Samples
from ..env import import_tensorflow
from ..job import Job

IO_TYPES = {"uint8": "uint8", "int8": "int8", "float32": "float32"}


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    tf = import_tensorflow()
    io_type = str(job.get("ioType", "uint8"))
    converter = from_saved_model(saved_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io_type != "float32":
        converter.inference_input_type = getattr(tf, io_type)
        converter.inference_output_type = getattr(tf, io_type)

    def representative():
        for i in range(calibration.count):
            yield {name: arr[i : i + 1].astype(np.float32) for name, arr in calibration.arrays.items()}

    converter.representative_dataset = representative
    (out_dir / ARTIFACT).write_bytes(run_converter(converter, job, "TFLite full-integer INT8 quantization"))
    return {"artifact": ARTIFACT, "format": "tflite", "ioType": io_type, "toolchain": {"tensorflow": tf.__version__}}
