"""TFLite INT8 (TF2AIF's ARM pair): full-integer with a representative dataset, or dynamic-range for models with
a WHILE loop (recurrent layers).

TFLite's calibrator crashes the process (SIGSEGV in calibrator._feed_tensors, measured with TF 2.21 on LSTMs with
int and float inputs) on models with WHILE, which would end the step with no message; so those are not calibrated.
"""

from __future__ import annotations

from pathlib import Path

from ..artifact import CALIBRATION_META, converted_artifact, link_tree, read_meta
from ..converters.tflite import ARTIFACT, builtin_ops, converter_for, run_converter
from ..data import Samples
from ..env import import_tensorflow
from ..errors import ToolchainError
from ..graph.static_signature import freeze, loop_layers
from ..job import Job
from ..progress import log

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


def _representative(tf, converter, calibration: Samples, batch: int) -> None:
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]

    def representative():
        # each input in its own dtype (int32 token ids, uint8 pixels): the calibrator rejects a cast one
        for arrays, _ in calibration.batches(batch):
            yield dict(arrays)

    converter.representative_dataset = representative


def _full_integer(tf, converter, job: Job, calibration: Samples, batch: int) -> dict:
    io_type = _io_type(job)
    _representative(tf, converter, calibration, batch)
    if io_type != "float32":
        # the converter applies these to float inputs and outputs only; int32 tokens or uint8 pixels stay as they are
        converter.inference_input_type = getattr(tf, io_type)
        converter.inference_output_type = getattr(tf, io_type)
    return _io_meta(io_type, calibration)


def _io_meta(io_type: str, calibration: Samples) -> dict:
    integer_inputs = [name for name, arr in calibration.arrays.items() if arr.dtype.kind != "f"]
    meta = {"scheme": "full-integer", "ioType": io_type}
    return {**meta, "ioTypeNote": INTEGER_IO_NOTE} if integer_inputs and io_type != "float32" else meta


CALIBRATED = "calibrated.tflite"


def calibrate_shared(job: Job, saved_model: Path, exports: list[dict], calibration: Samples, out_dir: Path) -> dict:
    """The model's shared calibration (its `calibrate` step) for every variant that quantizes with this module (arm,
    cpu with TFLite INT8): TFLite calibrates the float model once per export (calibrate-only: the model with its
    ranges recorded) and each variant quantizes that with its own I/O type (mlir_quantize, what the converter does
    after calibrating). A model with a WHILE loop is quantized to dynamic-range here, once: it has no I/O type to
    differ by. An export that refused the model (its variants run a fallback runtime) is skipped."""
    tf = import_tensorflow()
    batches: dict[str, dict] = {}
    for e in exports:
        folder = f"batch{e['batchSize']}"
        exported = read_meta(job.workspace / e["path"])
        if "artifact" not in exported:
            batches[str(e["batchSize"])] = {"skipped": exported.get("refused", {}).get("reason") or exported.get("skipped")}
            continue
        (out_dir / folder).mkdir()
        static_batch = exported.get("staticBatch")
        converter = converter_for(job, saved_model, static_batch)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if "WHILE" in builtin_ops(job.workspace / e["path"] / exported["artifact"]):
            meta = _dynamic_range(saved_model)
            (out_dir / folder / ARTIFACT).write_bytes(run_converter(converter, job, "TFLite dynamic-range INT8 quantization"))
            batches[str(e["batchSize"])] = {**meta, "model": f"{folder}/{ARTIFACT}"}
            continue
        log(f"calibrating {job.require('model', str)} on {calibration.count} samples, once for every TFLite INT8 variant at batch {e['batchSize']}")
        _representative(tf, converter, calibration, static_batch or 1)
        converter._experimental_calibrate_only = True  # noqa: SLF001 (TFLite's quantization debugger does the same)
        (out_dir / folder / CALIBRATED).write_bytes(run_converter(converter, job, "TFLite calibration"))
        batches[str(e["batchSize"])] = {"scheme": "full-integer", "calibrated": f"{folder}/{CALIBRATED}"}
    return {"batches": batches, "toolchain": {"tensorflow": tf.__version__}}


def _from_shared(job: Job, shared: Path, converted: dict, calibration: Samples) -> dict | None:
    """The variant's INT8 model from the model's shared calibration, or None where it holds none for this batch."""
    from ..jsonio import read_json  # noqa: PLC0415

    entry = read_json(shared / CALIBRATION_META)["batches"].get(str(job.batch_size))
    if not entry or "skipped" in entry:
        return None
    out_dir = job.out_dir
    if entry.get("scheme") == "dynamic-range":
        link_tree(shared / entry["model"], out_dir / ARTIFACT)
        meta = {k: v for k, v in entry.items() if k != "model"}
    else:
        tf = import_tensorflow()
        from tensorflow.lite.python import convert  # noqa: PLC0415

        io_type = _io_type(job)
        io = getattr(tf, io_type)
        log(f"quantizing the model's shared calibration with {io_type} I/O")
        (out_dir / ARTIFACT).write_bytes(convert.mlir_quantize((shared / entry["calibrated"]).read_bytes(), input_data_type=io, output_data_type=io))
        meta = _io_meta(io_type, calibration)
    static_batch = converted.get("staticBatch")
    if static_batch is not None:
        meta = {**meta, "staticBatch": static_batch, "staticBatchReason": converted.get("staticBatchReason")}
    return {
        "artifact": ARTIFACT,
        "format": "tflite",
        **meta,
        "sharedCalibration": str(shared.relative_to(job.workspace)),
        "toolchain": {"tensorflow": import_tensorflow().__version__},
    }


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    tf = import_tensorflow()
    converted, tflite_file = converted_artifact(job, convert_dir, "tflite", "a TFLite model")
    shared = job.optional("sharedCalibrationPath")
    if isinstance(shared, str) and (job.workspace / shared / CALIBRATION_META).is_file():
        meta = _from_shared(job, job.workspace / shared, converted, calibration)
        if meta is not None:
            return meta
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
    """Mixed precision (steps/mixed_precision.py) for the full-integer scheme: TFLite runs the ops kept float with its
    float kernels. None for dynamic-range models (their activations are float already)."""
    if meta.get("scheme") != "full-integer":
        return None
    from ..requantizers.tflite import TfliteRequantizer  # noqa: PLC0415

    return TfliteRequantizer(job, saved_model, convert_dir, calibration, meta["ioType"], _full_integer)
