"""TFLite INT8 (TF2AIF's ARM pair): full-integer with a representative dataset, or dynamic-range for models with
a WHILE loop (recurrent layers).

TFLite's calibrator crashes the process (SIGSEGV in calibrator._feed_tensors, measured with TF 2.21 on LSTMs with
int and float inputs) on models with WHILE, which would end the step with no message; so those are not calibrated.
"""
from __future__ import annotations

from pathlib import Path

from ..artifact import converted_artifact
from ..converters.tflite import ARTIFACT, builtin_ops, converter_for, run_converter
from ..data import Samples
from ..env import import_tensorflow
from ..errors import ToolchainError
from ..job import Job
from ..progress import log
from ..static_signature import freeze, loop_layers

IO_TYPES = ("uint8", "int8", "float32")
DYNAMIC_RANGE_REASON = "TFLite's calibrator crashes on WHILE loops ({layers}): INT8 weights, float activations and I/O"
INTEGER_IO_NOTE = "only float inputs and outputs take ioType; integer ones (token ids, uint8 pixels) keep their dtype"


def _io_type(job: Job) -> str:
    io_type = job.require("ioType", str)
    if io_type not in IO_TYPES:
        raise ToolchainError(f"job option ioType: {io_type!r} is not one of {list(IO_TYPES)}")
    return io_type


def _dynamic_range(saved_model: Path) -> dict:
    """INT8 weights, float activations: nothing to calibrate."""
    layers = ", ".join(loop_layers(freeze(saved_model).graph_def)) or "a While loop"
    log(f"recurrent layer(s) {layers}: TFLite cannot calibrate WHILE loops, quantizing to dynamic-range INT8 (float I/O)")
    return {"scheme": "dynamic-range", "schemeReason": DYNAMIC_RANGE_REASON.format(layers=layers), "ioType": "float32"}


def _full_integer(tf, converter, job: Job, calibration: Samples, batch: int) -> dict:
    io_type = _io_type(job)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if io_type != "float32":
        # the converter applies these to float inputs and outputs only; int32 tokens or uint8 pixels stay as they are
        converter.inference_input_type = getattr(tf, io_type)
        converter.inference_output_type = getattr(tf, io_type)

    def representative():
        # each input in its own dtype (int32 token ids, uint8 pixels): the calibrator rejects a cast one
        for arrays, _ in calibration.batches(batch):
            yield dict(arrays)

    converter.representative_dataset = representative
    integer_inputs = [name for name, arr in calibration.arrays.items() if arr.dtype.kind != "f"]
    meta = {"scheme": "full-integer", "ioType": io_type}
    return {**meta, "ioTypeNote": INTEGER_IO_NOTE} if integer_inputs and io_type != "float32" else meta


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    tf = import_tensorflow()
    converted, tflite_file = converted_artifact(job, convert_dir, "tflite", "a TFLite model")
    static_batch = converted.get("staticBatch")
    converter = converter_for(job, saved_model, static_batch)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if "WHILE" in builtin_ops(tflite_file):
        meta = _dynamic_range(saved_model)  # optimizations DEFAULT without a representative dataset
        what = "TFLite dynamic-range INT8 quantization"
    else:
        meta = _full_integer(tf, converter, job, calibration, static_batch or 1)
        what = "TFLite full-integer INT8 quantization"
    (out_dir / ARTIFACT).write_bytes(run_converter(converter, job, what))
    if static_batch is not None:
        meta = {**meta, "staticBatch": static_batch, "staticBatchReason": converted.get("staticBatchReason")}
    return {"artifact": ARTIFACT, "format": "tflite", **meta, "toolchain": {"tensorflow": tf.__version__}}


def requantizer(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, meta: dict):
    """Mixed precision (mixed_precision.py) for the full-integer scheme: TFLite runs the ops kept float with its
    float kernels. None for dynamic-range models (their activations are float already)."""
    if meta.get("scheme") != "full-integer":
        return None
    from ..requantizers.tflite import TfliteRequantizer  # noqa: PLC0415

    return TfliteRequantizer(job, saved_model, convert_dir, calibration, meta["ioType"], _full_integer)
