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
from .vitis_pow2 import calibration_batches

ARTIFACT = "model.onnx"
INT8_OPS = ["Conv", "ConvTranspose", "Gemm", "MatMul", "Add", "Mul", "AveragePool", "MaxPool", "GlobalAveragePool", "Concat"]


class _OrtInt8:
    """The pre-processed model and its calibrated ranges, computed once; write() quantizes with them, some nodes
    left float (mixed precision) or none."""

    def __init__(self, job: Job, fp32: Path, calibration: Samples, work: Path) -> None:
        from onnxruntime.quantization import CalibrationMethod  # noqa: PLC0415
        from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

        from ..requantizers.onnx_qdq import ranges_cache  # noqa: PLC0415

        self.method = method_of(job)
        ort_method, extra = METHODS[self.method]
        self.calibrate_method = getattr(CalibrationMethod, ort_method)
        self.prepared = work / "prepared.onnx"
        with _quiet_ort_quantization():
            # shape inference and BatchNorm folding first, as ORT's quantization guide asks
            quant_pre_process(str(fp32), str(self.prepared), skip_symbolic_shape=True)
            log(f"calibrating {fp32.name} for INT8 QDQ with ONNX Runtime ({self.method}) on {calibration.count} samples")
            self.cache = ranges_cache(
                self.prepared, INT8_OPS, self.calibrate_method, extra, calibration_batches(fp32, calibration, job.batch_size), work
            )

    def write(self, excluded: list[str], out_dir: Path) -> dict:
        from ..requantizers.onnx_qdq import quantize_from_ranges  # noqa: PLC0415

        try:
            with _quiet_ort_quantization():
                quantize_from_ranges(
                    self.prepared,
                    out_dir / ARTIFACT,
                    self.cache,  # the ranges from above: no second calibration pass
                    ops=INT8_OPS,
                    excluded=excluded,
                    per_channel=True,
                    signed_activations=False,
                    method=self.calibrate_method,
                    extra={"WeightSymmetric": True},
                )
        except Exception as e:  # noqa: BLE001 (ORT raises plain RuntimeErrors for graphs it cannot quantize)
            raise ToolchainError(f"ONNX Runtime INT8 quantization failed: {type(e).__name__}: {str(e).strip().splitlines()[-1]}") from e
        return {}


def _fp32(convert_dir: Path) -> Path:
    fp32 = convert_dir / ARTIFACT
    if not fp32.is_file():
        raise ToolchainError(f"{convert_dir} holds no {ARTIFACT}: the onnx_int8 quantizer needs the onnx converter's output")
    return fp32


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415

    fp32 = _fp32(convert_dir)
    watch = Stopwatch()
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as tmp:
        quantizer = _OrtInt8(job, fp32, calibration, Path(tmp))
        quantizer.write([], out_dir)
    log(f"INT8 QDQ model written in {watch.seconds:.1f}s")
    return {
        "artifact": ARTIFACT,
        "format": "onnx-qdq",
        "qdqScheme": "QDQ: uint8 asymmetric per-tensor activations, int8 symmetric per-channel weights",
        "calibrationMethod": quantizer.method,
        "toolchain": {"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__},
    }


def requantizer(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, meta: dict):
    """Mixed precision (steps/mixed_precision.py): ONNX Runtime runs the nodes kept float with its float kernels."""
    from ..requantizers.onnx_qdq import OnnxRequantizer  # noqa: PLC0415

    tmp = tempfile.TemporaryDirectory(prefix="tf2aif-onnx-int8-mixed-")
    quantizer = _OrtInt8(job, _fp32(convert_dir), calibration, Path(tmp.name))
    return OnnxRequantizer(quantizer.prepared, quantizer.write, tmp)
