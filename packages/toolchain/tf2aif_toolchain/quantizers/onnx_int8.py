"""INT8 for ONNX Runtime on a CPU (x86-64 or arm64): static QDQ quantization of the FP32 ONNX model.

The runtime a CPU platform falls back to when TFLite's builtins or OpenVINO cannot run an op of the model
(platform descriptors: `fallback`). ONNX Runtime's quantizer calibrates activation ranges on the calibration data
(tf2aif.json `calibration.method`: minmax, entropy or percentile) and writes a QDQ model: int8 per-channel
symmetric weights, uint8 activations (ONNX Runtime's documented default for CPUs; its speed against the other
schemes is not measured here). ONNX Runtime fuses Q/DQ pairs around a Conv/MatMul into integer kernels when the
session loads the model.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from ..data import Samples
from ..errors import ToolchainError
from ..job import Job
from ..progress import Stopwatch, log
from .tensorrt_calibration import METHODS, _quiet_ort_quantization, method_of
from .vitis_pow2 import _reader, calibration_batches

ARTIFACT = "model.onnx"
INT8_OPS = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "AveragePool", "MaxPool", "GlobalAveragePool", "Concat"]


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static  # noqa: PLC0415
    from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

    fp32 = convert_dir / ARTIFACT
    if not fp32.is_file():
        raise ToolchainError(f"{convert_dir} holds no {ARTIFACT}: the onnx_int8 quantizer needs the onnx converter's output")
    method = method_of(job)
    batches = calibration_batches(fp32, calibration, job.batch_size)
    watch = Stopwatch()
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as tmp, _quiet_ort_quantization():
        prepared = Path(tmp) / "prepared.onnx"
        # shape inference and BatchNorm folding first, as ORT's quantization guide asks
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
        log(f"quantizing {fp32.name} to INT8 QDQ with ONNX Runtime ({method}) on {calibration.count} samples")
        ort_method, extra = METHODS[method]
        try:
            quantize_static(
                str(prepared),
                str(out_dir / ARTIFACT),
                calibration_data_reader=_reader(batches),
                quant_format=QuantFormat.QDQ,
                op_types_to_quantize=INT8_OPS,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                calibrate_method=getattr(CalibrationMethod, ort_method),
                extra_options={"WeightSymmetric": True, **({"CalibNumBins": extra["num_bins"]} if "num_bins" in extra else {})},
            )
        except Exception as e:  # noqa: BLE001 (ORT raises plain RuntimeErrors for graphs it cannot quantize)
            raise ToolchainError(f"ONNX Runtime INT8 quantization failed: {type(e).__name__}: {str(e).strip().splitlines()[-1]}") from e
    log(f"INT8 QDQ model written in {watch.seconds:.1f}s")
    return {
        "artifact": ARTIFACT,
        "format": "onnx-qdq",
        "qdqScheme": "QDQ: uint8 asymmetric per-tensor activations, int8 symmetric per-channel weights",
        "calibrationMethod": method,
        "toolchain": {"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__},
    }
