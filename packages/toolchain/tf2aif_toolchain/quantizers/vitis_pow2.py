"""INT8 for the Vitis AI DPUs (Alveo U280, Versal VCK190, Zynq ZCU104): a QDQ ONNX model whose every scale is 2^k.

A DPU computes in fixed point, so each tensor is int8, symmetric (zero point 0), per tensor, with a scale of
2^-fix_pos. Two ways to make such a model, tried in this order:

1. AMD Quark (`quark.onnx`, XINT8 config: power-of-two scales, MinMSE calibration) when it imports. It is not in
   the managed venv, so the path used there is 2. Why (measured on this project's 2-core machines): amd-quark 0.13
   itself installs from PyPI in about 35 s, but `quark.onnx` imports torch and JIT-builds custom ops with it on
   first use, and PyPI's Linux torch is the CUDA build (torch 2.15 + nvidia-* wheels: about 4 GB, a 6 GB venv);
   amd-quark 0.13 also pins onnx<=1.22, below the onnx this venv locks. Where `amd-quark onnxruntime torch` are
   installed, this path runs (ResNet50: about 35 s, against about 8 s for path 2, with the same accuracy).
2. Otherwise ONNX Runtime's static quantization (quantize_static, QDQ, int8, per tensor) with every scale set
   through its TensorQuantOverrides: ORT's histogram calibrator gives each activation's distribution of |x|,
   and each scale, activation or weight, is the 2^k (of the three nearest the absolute maximum) with the least
   squared quantization error, as Vitis AI's quantizers pick fix positions. Rounding every activation scale
   *up* to 2^k (nothing clipped) instead cost up to one bit: measured on the zoo (min cosine, rounded up ->
   least error), InceptionV3 0.938 -> 0.944, NASNetMobile 0.926 -> 0.942, MobileNetV2 0.949 -> 0.955,
   MobileNet 0.946 -> 0.953, ResNet50 0.979 -> 0.982. Biases stay int32 with scale input_scale * weight_scale, itself a
   power of two.

Only ops the DPU runs are quantized; the rest (Softmax, Sigmoid, ...) stay float, as the Vitis AI runtime runs them
on the CPU (Quark's XINT8 default also quantizes a Softmax output, which zeroes the near-uniform probabilities of an
untrained model). The result runs on ONNX Runtime's CPU EP, so verify checks it here; compilers/vitis_ai.py
compiles it to an .xmodel.
"""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path

import numpy as np

from ..compilers.vitis_ai import dpu_target
from ..data import Samples
from ..errors import ToolchainError
from ..job import Job
from ..progress import log

ARTIFACT = "model.onnx"
METHOD_QUARK = "amd-quark XINT8"
METHOD_ORT = "onnxruntime QDQ, power-of-two scales"

# Ops the DPUs execute (convolutions, fully connected, eltwise, pooling, concat, resize and the layout ops
# around them); anything else stays float, as it runs on the host CPU under Vitis AI.
DPU_OPS = [
    "Conv",
    "ConvTranspose",
    "Gemm",
    "MatMul",
    "Add",
    "Mul",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Concat",
    "Relu",
    "Clip",
    "LeakyRelu",
    "Resize",
    "Pad",
    "Reshape",
    "Flatten",
    "Transpose",
    "Squeeze",
    "Unsqueeze",
    "Split",
    "Slice",
]
INT8_MIN, INT8_MAX = -128, 127
HISTOGRAM_BINS = 2048
# float32 normal exponents: every 2^k in this range is exact in the float32 scale initializers
MIN_EXP, MAX_EXP = -126, 127


def _exp(value: float) -> int:
    return int(min(max(value, MIN_EXP), MAX_EXP))


def activation_scale(absmax: float) -> float:
    """The smallest 2^k whose int8 range still holds absmax (a zero or broken range gets 1.0)."""
    if not math.isfinite(absmax) or absmax <= 0:
        return 1.0
    return 2.0 ** _exp(math.ceil(math.log2(absmax / INT8_MAX)))


def histogram_scale(hist: np.ndarray, edges: np.ndarray) -> float:
    """The 2^k with the least squared error over a histogram of |activation| (Vitis AI's quantizers pick
    activation positions so, from calibration statistics): a scale one or two steps finer clips the rare
    largest values but resolves the many small ones."""
    hist = np.asarray(hist, dtype=np.float64)
    edges = np.asarray(edges, dtype=np.float64)
    absmax = float(edges[-1]) if edges.size else 0.0
    if not math.isfinite(absmax) or absmax <= 0 or hist.sum() == 0:
        return activation_scale(absmax)
    centers = (edges[:-1] + edges[1:]) / 2
    top = _exp(math.ceil(math.log2(absmax / INT8_MAX)))

    def error(k: int) -> float:
        s = 2.0**k
        return float(np.sum(hist * (np.minimum(np.round(centers / s), INT8_MAX) * s - centers) ** 2))

    return 2.0 ** min(range(_exp(top - 2), top + 1), key=lambda k: (error(k), -k))


def weight_scale(weights: np.ndarray) -> float:
    """The 2^k with the least mean squared quantization error; clipping a few outliers can beat a coarse grid."""
    w = weights.astype(np.float64).ravel()
    absmax = float(np.abs(w).max(initial=0.0))
    if not math.isfinite(absmax) or absmax <= 0:
        return 1.0
    top = _exp(math.ceil(math.log2(absmax / INT8_MAX)))

    def error(k: int) -> float:
        s = 2.0**k
        return float(np.mean((np.clip(np.round(w / s), INT8_MIN, INT8_MAX) * s - w) ** 2))

    return 2.0 ** min(range(_exp(top - 2), top + 1), key=lambda k: (error(k), -k))


def input_names(model_path: Path, calibration: Samples) -> dict[str, str]:
    """Calibration array name -> ONNX input name (tf2onnx may add a ':0' suffix)."""
    import onnx  # noqa: PLC0415

    graph = onnx.load(str(model_path), load_external_data=False).graph
    initializers = {i.name for i in graph.initializer}
    names = {}
    for inp in graph.input:
        if inp.name in initializers:
            continue
        key = inp.name if inp.name in calibration.arrays else inp.name.split(":")[0]
        if key not in calibration.arrays:
            raise ToolchainError(f"the ONNX model takes input {inp.name!r}, the calibration data has {sorted(calibration.arrays)}")
        names[key] = inp.name
    return names


def calibration_batches(model_path: Path, calibration: Samples, batch_size: int) -> list[dict[str, np.ndarray]]:
    """Batches of exactly the model's fixed batch size, keyed by ONNX input name."""
    names = input_names(model_path, calibration)
    return [{names[k]: v for k, v in batch.items() if k in names} for batch, _ in calibration.batches(batch_size)]


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    target = dpu_target(job.require("platform", str))
    fp32 = convert_dir / ARTIFACT
    if not fp32.is_file():
        raise ToolchainError(f"{convert_dir} holds no {ARTIFACT}: the vitis_pow2 quantizer needs the onnx converter's output")
    fixed = fixed_shapes(job)
    if fixed:
        # a DPU runs static shapes: inputs with unknown dimensions are fixed at their shape range's opt
        log(f"fixing dynamic input shapes for the DPU: {fixed}")
        fp32 = fix_input_shapes(fp32, fixed, out_dir / "fixed-fp32.onnx")
    batches = calibration_batches(fp32, calibration, job.batch_size)
    if _quark_available():
        log("quantizing with AMD Quark (XINT8, power-of-two scales)")
        toolchain = _quantize_quark(fp32, batches, out_dir / ARTIFACT)
        method = METHOD_QUARK
    else:
        log("AMD Quark is not importable: ONNX Runtime QDQ with power-of-two scales")
        toolchain = _quantize_ort(fp32, batches, out_dir / ARTIFACT)
        method = METHOD_ORT
    bad = non_pow2_scales(out_dir / ARTIFACT)
    if bad:  # a DPU cannot run it: a bug here or in Quark, not something the user can fix
        raise RuntimeError(f"{method}: scales that are not powers of two remain in the QDQ model: {bad[:5]}")
    if fixed:
        (out_dir / "fixed-fp32.onnx").unlink()
    return {
        "artifact": ARTIFACT,
        "format": "onnx-qdq",
        **({"fixedShapes": fixed, "fixedShapesReason": FIXED_REASON, "shapeProfiles": None} if fixed else {}),
        "method": method,
        "scales": "power-of-two, symmetric int8, per tensor",
        "dpu": target,
        "toolchain": toolchain,
    }


FIXED_REASON = "a DPU runs static shapes: fixed at the shape range's opt"


def fixed_shapes(job: Job) -> dict[str, list[int]]:
    """Input name -> the static shape (batch first) a DPU compiles, for inputs with unknown dimensions."""
    return {s.name: [job.batch_size, *s.sample_shape("opt")] for s in job.inputs if s.shape_range is not None}


def fix_input_shapes(model_path: Path, fixed: dict[str, list[int]], target: Path) -> Path:
    """A copy of the ONNX model whose inputs have the given static shapes, shapes inferred again."""
    import onnx  # noqa: PLC0415
    from onnxruntime.tools.onnx_model_utils import fix_output_shapes, make_input_shape_fixed  # noqa: PLC0415

    model = onnx.load(str(model_path))
    for name, shape in fixed.items():
        make_input_shape_fixed(model.graph, name, shape)
    fix_output_shapes(model)
    onnx.save(model, str(target))
    return target


def host_nodes(model_path: Path) -> list[str]:
    """Nodes the DPU does not run (left float, as the Vitis AI runtime runs them on the CPU)."""
    import onnx  # noqa: PLC0415

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type not in DPU_OPS and n.name]


def _quark_available() -> bool:
    """quark.onnx needs torch at import; any import failure means the ONNX Runtime path."""
    try:
        import quark.onnx  # noqa: F401, PLC0415
    except Exception:  # noqa: BLE001 (a broken torch or custom-op build raises more than ImportError)
        return False
    return True


def _reader(batches: list[dict[str, np.ndarray]]):
    from onnxruntime.quantization import CalibrationDataReader  # noqa: PLC0415

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._it = iter(batches)

        def get_next(self):
            return next(self._it, None)

        def rewind(self) -> None:
            self._it = iter(batches)

    return Reader()


def _quantize_quark(fp32: Path, batches: list[dict[str, np.ndarray]], out: Path, excluded: list[str] | None = None) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415
    import quark  # noqa: PLC0415
    from quark.onnx import XINT8_QCONFIG, ModelQuantizer  # noqa: PLC0415

    config = copy.deepcopy(XINT8_QCONFIG)  # quantize_model mutates its config
    config.exclude = host_nodes(fp32) + list(excluded or [])
    try:
        ModelQuantizer(config).quantize_model(str(fp32), str(out), _reader(batches))
    except Exception as e:  # noqa: BLE001
        raise ToolchainError(f"AMD Quark XINT8 quantization failed: {type(e).__name__}: {e}") from e
    return {"amd-quark": quark.__version__, "onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__}


class _OrtPow2:
    """The ONNX Runtime path's state: the pre-processed model, its ranges and every power-of-two scale, computed
    once; write() quantizes with them, some nodes left float (mixed precision) or none."""

    def __init__(self, fp32: Path, batches: list[dict[str, np.ndarray]], work: Path) -> None:
        import onnx  # noqa: PLC0415
        from onnxruntime.quantization import save_tensors_data  # noqa: PLC0415
        from onnxruntime.quantization.shape_inference import quant_pre_process  # noqa: PLC0415

        # fold BatchNorm into Conv and infer shapes first: the DPU quantizes folded weights
        self.prepared = work / "prepared.onnx"
        quant_pre_process(str(fp32), str(self.prepared), skip_symbolic_shape=True)
        model = onnx.load(str(self.prepared))
        self.histograms, ranges = _calibrate(self.prepared, work, batches)
        self.cache = work / "ranges.json"
        save_tensors_data(ranges, self.cache)
        activations = {
            name: [
                _override(
                    histogram_scale(*self.histograms[name][:2]) if name in self.histograms else activation_scale(_absmax(ranges[name].range_value))
                )
            ]
            for name in ranges
        }
        weights = {name: [_override(weight_scale(w))] for name, w in _weights(model).items()}
        self.overrides = {**activations, **weights}
        log(f"power-of-two scales for {len(activations)} activations and {len(weights)} weights")

    def write(self, out: Path, excluded: list[str] | None = None) -> None:
        from ..requantizers.onnx_qdq import quantize_from_ranges  # noqa: PLC0415

        try:
            quantize_from_ranges(
                self.prepared,
                out,
                self.cache,  # ranges from above: no second calibration pass
                ops=DPU_OPS,
                excluded=excluded,
                per_channel=False,
                signed_activations=True,
                method=_ranges_method(self.histograms),  # as the cache says; every scale is overridden anyway
                extra={
                    "ActivationSymmetric": True,
                    "WeightSymmetric": True,
                    "TensorQuantOverrides": self.overrides,
                    # ORT would otherwise enlarge a weight scale to keep the int32 bias in range: not a power of two
                    "QDQDisableWeightAdjustForInt32Bias": True,
                },
            )
        except Exception as e:  # noqa: BLE001
            raise ToolchainError(f"ONNX Runtime power-of-two QDQ quantization failed: {type(e).__name__}: {e}") from e


def _quantize_ort(fp32: Path, batches: list[dict[str, np.ndarray]], out: Path) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="tf2aif-pow2-") as tmp:
        _OrtPow2(fp32, batches, Path(tmp)).write(out)
    return {"onnxruntime": onnxruntime.__version__, "onnx": onnx.__version__}


def requantizer(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, meta: dict):
    """Mixed precision (steps/mixed_precision.py): the nodes kept float run on the host CPU, as Vitis AI partitions a
    graph between the DPU and the CPU."""
    from ..requantizers.onnx_qdq import OnnxRequantizer  # noqa: PLC0415

    tmp = tempfile.TemporaryDirectory(prefix="tf2aif-pow2-mixed-")
    work = Path(tmp.name)
    fp32 = convert_dir / ARTIFACT
    fixed = fixed_shapes(job)
    if fixed:
        fp32 = fix_input_shapes(fp32, fixed, work / "fixed-fp32.onnx")
    batches = calibration_batches(fp32, calibration, job.batch_size)

    if meta.get("method") == METHOD_QUARK:

        def write_quark(excluded: list[str], out_dir: Path) -> dict:
            _quantize_quark(fp32, batches, out_dir / ARTIFACT, excluded)
            return {}

        return OnnxRequantizer(fp32, write_quark, tmp)
    ort = _OrtPow2(fp32, batches, work)

    def write(excluded: list[str], out_dir: Path) -> dict:
        ort.write(out_dir / ARTIFACT, excluded)
        bad = non_pow2_scales(out_dir / ARTIFACT)
        if bad:
            raise RuntimeError(f"{METHOD_ORT}: scales that are not powers of two remain in the QDQ model: {bad[:5]}")
        return {}

    return OnnxRequantizer(ort.prepared, write, tmp)


def _calibrate(prepared: Path, work: Path, batches: list[dict[str, np.ndarray]]) -> tuple[dict, dict]:
    """Histograms of |x| per activation (the 100th percentile is the plain absolute maximum, for the ranges
    cache), and the ranges. numpy cannot bin a tensor whose values span less than float precision allows
    (ConvNeXt has one): then plain MinMax ranges, each scale rounded up to 2^k, and no histograms."""
    from onnxruntime.quantization import CalibrationMethod, create_calibrator  # noqa: PLC0415

    def calibrate(method: CalibrationMethod, extra: dict):
        calibrator = create_calibrator(
            prepared, DPU_OPS, augmented_model_path=str(work / "augmented.onnx"), calibrate_method=method, extra_options=extra
        )
        calibrator.collect_data(_reader(batches))
        return calibrator

    try:
        calibrator = calibrate(CalibrationMethod.Percentile, {"symmetric": True, "num_bins": HISTOGRAM_BINS, "percentile": 100.0})
        return calibrator.collector.histogram_dict, calibrator.compute_data()
    except ValueError as e:
        log(f"activation histograms failed ({e}): power-of-two scales from MinMax ranges instead")
        return {}, calibrate(CalibrationMethod.MinMax, {}).compute_data()


def _ranges_method(histograms: dict):
    from onnxruntime.quantization import CalibrationMethod  # noqa: PLC0415

    return CalibrationMethod.Percentile if histograms else CalibrationMethod.MinMax


def _absmax(range_value) -> float:
    return float(max(np.abs(np.asarray(r, dtype=np.float64)).max(initial=0.0) for r in range_value))


def _override(scale: float) -> dict:
    return {"scale": np.array(scale, dtype=np.float32), "zero_point": np.array(0, dtype=np.int8)}


def _weights(model) -> dict[str, np.ndarray]:
    """Float initializers the quantizer may turn into int8, i.e. all but Conv/Gemm biases (int32, derived scale)."""
    from onnx import TensorProto, numpy_helper  # noqa: PLC0415

    biases = {n.input[2] for n in model.graph.node if n.op_type in ("Conv", "ConvTranspose", "Gemm") and len(n.input) > 2}
    return {
        init.name: numpy_helper.to_array(init) for init in model.graph.initializer if init.data_type == TensorProto.FLOAT and init.name not in biases
    }


def qdq_scales(model_path: Path) -> dict[str, np.ndarray]:
    """Scale initializer of every QuantizeLinear/DequantizeLinear node, by node name."""
    import onnx  # noqa: PLC0415
    from onnx import numpy_helper  # noqa: PLC0415

    model = onnx.load(str(model_path))
    consts = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:  # some quantizers emit scales as Constant nodes
        if node.op_type == "Constant" and node.attribute and node.attribute[0].name == "value":
            consts[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
    return {
        node.name or node.input[1]: consts[node.input[1]]
        for node in model.graph.node
        if node.op_type in ("QuantizeLinear", "DequantizeLinear") and node.input[1] in consts
    }


def non_pow2_scales(model_path: Path) -> list[tuple[str, float]]:
    bad = []
    for name, scale in qdq_scales(model_path).items():
        for s in np.ravel(scale).astype(np.float64):
            mantissa, _ = np.frexp(s)
            if not (s > 0 and mantissa == 0.5):
                bad.append((name, float(s)))
    return bad
