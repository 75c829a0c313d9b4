"""TFLite converter, FP32 (TF2AIF's CPU pair). The INT8 path is quantizers/tflite_int8.py.

Keras 3 recurrent layers (LSTM, GRU) fail the plain conversion: their TensorLists have element shape [-1, units]
and TFLite requires it static. Those models are converted again from graph/static_signature.py at the variant's batch
size. Keras 3 does not mark its LSTM with tf.api_implements, so TFLite cannot fuse it into
UNIDIRECTIONAL_SEQUENCE_LSTM: the result runs the layer as a WHILE loop of builtin ops.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..env import import_tensorflow
from ..errors import ToolchainError, UnsupportedOps
from ..graph.savedmodel import SIGNATURE
from ..graph.static_signature import StaticSignature, static_signature
from ..job import Job
from ..progress import log

ARTIFACT = "model.tflite"
WHAT = "TFLite FP32 conversion"
STATIC_BATCH_REASON = "TensorList ops of a recurrent layer need a static element shape (batch unknown at export)"


def unsupported_ops(message: str) -> list[str]:
    """Op names from a TFLite converter error ("... ops are not supported ...: tf.Foo, tf.Bar")."""
    return sorted(set(re.findall(r"\btf\.([A-Z][A-Za-z0-9_]+)", message)))


def needs_static_batch(message: str) -> bool:
    """The converter's complaint about a TensorList of unknown element shape (e.g. 'tf.TensorListReserve' op
    requires element_shape to be static)."""
    return bool(re.search(r"tf\.(TensorList\w+|EmptyTensorList)'? op requires element_shape to be static", message))


def op_nodes(message: str, ops: list[str]) -> list[str]:
    """The graph nodes of those ops, from the converter's locations (fused["MaxPool3D:", "model/layer/MaxPool3D@..."])."""
    found = re.findall(r'fused\["(' + "|".join(map(re.escape, ops)) + r'):", "([^"@]+)', message) if ops else []
    return sorted({node for _, node in found})


def conversion_error(e: Exception, job: Job, what: str) -> ToolchainError:
    ops = unsupported_ops(str(e))
    subject = job.subject
    if ops:
        nodes = op_nodes(str(e), ops)
        at = f" (node{'s' if len(nodes) > 1 else ''} {', '.join(nodes[:3])}{', ...' if len(nodes) > 3 else ''})" if nodes else ""
        return UnsupportedOps(
            f"{what} for {subject}: the model uses op(s) {', '.join(ops)}{at} that TFLite builtins cannot run; "
            "change the model, or pick another runtime for this platform (its fallback runtimes, where the platform has any, are tried next)",
            ops,
        )
    return ToolchainError(f"{what} for {subject} failed: {str(e).strip().splitlines()[-1]}")


def run_converter(converter, job: Job, what: str) -> bytes:
    try:
        return converter.convert()
    except Exception as e:  # noqa: BLE001 (the converter raises ConverterError and friends)
        raise conversion_error(e, job, what) from e


def from_saved_model(saved_model: Path):
    tf = import_tensorflow()
    return tf.lite.TFLiteConverter.from_saved_model(str(saved_model), signature_keys=[SIGNATURE])


def from_static(static: StaticSignature):
    """A converter for the static-batch signature; the holder makes TFLite write the 'serving_default'
    SignatureDef the runtime looks up (from a bare concrete function the .tflite has no signature)."""
    tf = import_tensorflow()
    return tf.lite.TFLiteConverter.from_concrete_functions([static.concrete_function()], static.holder)


def converter_for(job: Job, saved_model: Path, static_batch: int | None):
    """The converter the convert step used: from the SavedModel, or from its static-batch signature."""
    if static_batch is None:
        return from_saved_model(saved_model)
    return from_static(static_signature(saved_model, static_batch, job.inputs))


def builtin_ops(tflite_file: Path) -> set[str]:
    """The builtin op names a .tflite file uses (e.g. {'WHILE', 'FULLY_CONNECTED'})."""
    from tensorflow.lite.python import schema_py_generated as schema  # noqa: PLC0415
    from tensorflow.lite.python.schema_util import get_builtin_code_from_operator_code  # noqa: PLC0415

    model = schema.Model.GetRootAs(tflite_file.read_bytes(), 0)
    names = {code: name for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
    codes = (get_builtin_code_from_operator_code(model.OperatorCodes(i)) for i in range(model.OperatorCodesLength()))
    return {names.get(code, str(code)) for code in codes}


def _convert_static(job: Job, saved_model: Path) -> bytes:
    """The retry through the static-batch signature, for a model whose TensorLists have no static shape."""
    tf = import_tensorflow()
    batch = job.batch_size
    log(f"TFLite needs static TensorList shapes (recurrent layer); converting again at a static batch of {batch}")
    converter = converter_for(job, saved_model, batch)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    try:
        return converter.convert()
    except Exception as e:  # noqa: BLE001
        if needs_static_batch(str(e)):
            # only the batch is pinned: another open dimension (the sequence length) leaves the shape dynamic
            raise ToolchainError(
                f"{WHAT} for {job.subject}: a recurrent layer's TensorList shapes stay "
                f"dynamic even at batch {batch}; declare fixed input shapes (sequence length) in tf2aif.json inputs"
            ) from e
        raise conversion_error(e, job, WHAT) from e


def convert(job: Job, saved_model: Path, out_dir: Path) -> dict:
    tf = import_tensorflow()
    converter = from_saved_model(saved_model)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    extra: dict = {}
    try:
        model = converter.convert()
    except Exception as e:  # noqa: BLE001 (the converter raises ConverterError and friends)
        if not needs_static_batch(str(e)):
            raise conversion_error(e, job, WHAT) from e
        model = _convert_static(job, saved_model)
        extra = {"staticBatch": job.batch_size, "staticBatchReason": STATIC_BATCH_REASON}
    (out_dir / ARTIFACT).write_bytes(model)
    return {"artifact": ARTIFACT, "format": "tflite", **extra, "toolchain": {"tensorflow": tf.__version__}}
