"""INT8 for the TensorRT execution provider, as TF2AIF does for its GPU/AGX pairs.

ONNX Runtime's calibrator runs the FP32 ONNX model over the calibration data at the variant's batch size and the
ranges become a TensorRT calibration table. The deployed artifact stays the FP32 `model.onnx`: TensorRT builds its
INT8 engine from that graph plus the table (trt_int8_calibration_table_name). A GPU is needed to run it, so the same
ranges also go into an INT8 QDQ model that any CPU can execute: that is how verify measures INT8 accuracy here.

Options (tf2aif.json `calibration`): `method` = minmax (TF2AIF's default), entropy or percentile. ORT's entropy
search is pure Python, about 1 s per tensor on 2 cores (ResNet50: ~2 min), so it is opt-in.
"""

from __future__ import annotations

import logging
import os
import tempfile
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import numpy as np

from ..artifact import CALIBRATION_META, link_tree
from ..data import Samples
from ..errors import ToolchainError
from ..job import Job
from ..progress import Stopwatch, log
from .onnx_fp16 import source_onnx

ARTIFACT = "model.onnx"
TABLE = "calibration.flatbuffers"  # the format the TensorRT EP reads when use_native_calibration_table is off
TABLE_FILES = {"flatbuffers": TABLE, "text": "calibration.cache", "json": "calibration.json"}
EMULATION = "model.int8.qdq.onnx"

# ORT's names, and extra options matching TensorRT's own calibrators where they have a counterpart
METHODS = {
    "minmax": ("MinMax", {}),
    "entropy": ("Entropy", {"num_bins": 2048, "num_quantized_bins": 128}),  # TensorRT's entropy calibrator bins
    "percentile": ("Percentile", {"num_bins": 2048, "percentile": 99.999}),
}

# Ops whose inputs TensorRT runs in INT8 once they have a range. Relu/Add are left out on purpose: TensorRT fuses
# them into the conv before it, so their inputs are never requantized; QDQ on them would add error TRT does not have.
INT8_OPS = ["Conv", "ConvTranspose", "Gemm", "MatMul", "MaxPool", "AveragePool"]
# TensorRT requantizes a conv/matmul result only where the next INT8 layer reads it, after the fused activation
NO_OUTPUT_QDQ = ["Conv", "ConvTranspose", "Gemm", "MatMul"]

# a tensor that was zero on every calibration sample still needs a positive range (TensorRT rejects 0)
MIN_RANGE = 1e-6


def method_of(job: Job) -> str:
    method = str(job.require("calibration", dict)["method"]).lower()
    if method not in METHODS:
        raise ToolchainError(f"calibration.method {method!r} is not one of {sorted(METHODS)}")
    return method


class _OneBatch:
    """A CalibrationDataReader over a single batch: feeding batches one by one keeps memory flat for big models."""

    def __init__(self, batch: dict[str, np.ndarray]) -> None:
        self._batch: dict[str, np.ndarray] | None = batch

    def get_next(self) -> dict[str, np.ndarray] | None:
        batch, self._batch = self._batch, None
        return batch


@contextmanager
def _quiet_ort_quantization():
    """ORT's quantization tools print histogram chatter on stdout and log advice (pre-processing hints) on the
    root logger; our own progress lines (stderr) say what is happening."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with open(os.devnull, "w") as sink, redirect_stdout(sink):
            yield
    finally:
        root.setLevel(level)


def calibrate(model: Path, calibration: Samples, batch_size: int, method: str, work_dir: Path) -> dict[str, float]:
    """Symmetric range (|max|) of every float tensor of the graph, as TensorRT's implicit INT8 wants it."""
    from onnxruntime.quantization.calibrate import CalibrationMethod, create_calibrator  # noqa: PLC0415

    ort_method, extra = METHODS[method]
    calibrator = create_calibrator(
        model,
        None,  # every float tensor: TensorRT looks up ranges by tensor name for whatever layers it fuses
        augmented_model_path=str(work_dir / "augmented.onnx"),
        calibrate_method=getattr(CalibrationMethod, ort_method),
        extra_options=extra,
    )
    batches = -(-calibration.count // batch_size)
    every = max(1, batches // 5)
    for i, (batch, _) in enumerate(calibration.batches(batch_size), start=1):
        calibrator.collect_data(_OneBatch(batch))
        if i % every == 0 or i == batches:
            log(f"calibration batch {i}/{batches}")
    ranges = calibrator.compute_data()
    amax: dict[str, float] = {}
    for name, data in ranges.items():
        low, high = (float(np.max(np.abs(v))) for v in data.range_value)
        if not np.isfinite(low) or not np.isfinite(high):
            raise ToolchainError(f"calibration saw non-finite values in tensor {name!r}; check the calibration data (NaN or inf inputs?)")
        amax[name] = max(low, high, MIN_RANGE)
    return amax


def tensors_data(amax: dict[str, float], method: str):
    """The ranges as ORT's TensorsData, symmetric around zero."""
    from onnxruntime.quantization.calibrate import CalibrationMethod, TensorData, TensorsData  # noqa: PLC0415

    data = {name: TensorData(lowest=np.float32(-value), highest=np.float32(value)) for name, value in sorted(amax.items())}
    return TensorsData(getattr(CalibrationMethod, METHODS[method][0]), data)


def write_table(ranges, out_dir: Path) -> None:
    """calibration.flatbuffers (read by the TensorRT EP), plus the same ranges as text and JSON for people."""
    from onnxruntime.quantization.quant_utils import write_calibration_table  # noqa: PLC0415

    write_calibration_table(dict(ranges.items()), dir=str(out_dir))
    missing = [f for f in TABLE_FILES.values() if not (out_dir / f).is_file()]
    if missing:
        raise ToolchainError(f"onnxruntime did not write {missing} into {out_dir}; check the onnxruntime install")


def write_emulation(model: Path, ranges, out_path: Path, work_dir: Path, excluded: list[str] | None = None) -> None:
    """INT8 QDQ model from the same ranges: int8 symmetric per-tensor activations, int8 symmetric per-channel weights."""
    from onnxruntime.quantization.calibrate import save_tensors_data  # noqa: PLC0415

    from ..requantizers.onnx_qdq import quantize_from_ranges  # noqa: PLC0415

    cache = work_dir / "ranges.json"
    save_tensors_data(ranges, cache)  # lets quantize_static reuse our ranges instead of calibrating again
    quantize_from_ranges(
        model,
        out_path,
        cache,
        ops=INT8_OPS,
        excluded=excluded,
        per_channel=True,
        signed_activations=True,
        method=ranges.calibration_method,
        extra={
            "ActivationSymmetric": True,
            "WeightSymmetric": True,
            "OpTypesToExcludeOutputQuantization": NO_OUTPUT_QDQ,
            # TensorRT keeps the weight scales it calibrates; ORT's int32-bias adjustment also breaks on Loop
            # subgraphs (a bidirectional LSTM: "truth value of an array is ambiguous")
            "QDQDisableWeightAdjustForInt32Bias": True,
        },
    )


def _tensor_names(model: Path) -> set[str]:
    """The names a calibration table keys its ranges by: the graph's inputs and every node's outputs."""
    import onnx  # noqa: PLC0415

    graph = onnx.load(str(model), load_external_data=False).graph
    return {i.name for i in graph.input} | {o for n in graph.node for o in n.output}


def calibrate_shared(job: Job, saved_model: Path, exports: list[dict], calibration: Samples, out_dir: Path) -> dict:
    """The model's shared calibration (its `calibrate` step), for every variant that quantizes with this module (gpu
    and agx). The ranges do not depend on the batch size, but a table keys them by tensor name, and tf2onnx may name a
    batch-8 graph's tensors otherwise than the batch-1 graph's: the smallest batch's export is calibrated, and another
    export reuses its table where its tensors carry the same names (calibrated on its own where they do not). The CPU
    emulation is written once per batch size: batch<N>/model.int8.qdq.onnx, with the table it uses named in the meta."""
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415

    method = method_of(job)
    batches: dict[str, dict] = {}
    tables: list[tuple[set[str], str, dict]] = []  # (tensor names, folder, amax)
    calibration_seconds = emulation_seconds = 0.0
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as tmp, _quiet_ort_quantization():
        work = Path(tmp)
        for e in sorted(exports, key=lambda e: e["batchSize"]):
            batch, model = e["batchSize"], job.workspace / e["path"] / ARTIFACT
            folder = f"batch{batch}"
            (out_dir / folder).mkdir()
            names = _tensor_names(model)
            same = next((t for t in tables if t[0] == names), None)
            if same is None:
                log(
                    f"calibrating {job.require('model', str)} ({method}) on {calibration.count} samples at batch {batch}, "
                    f"once for the variants at batch {batch}"
                )
                watch = Stopwatch()
                same = (names, folder, _calibrate_checked(model, calibration, batch, method, work))
                calibration_seconds += watch.seconds
                write_table(tensors_data(same[2], method), out_dir / folder)
                tables.append(same)
            else:
                log(f"batch {batch}: the same tensors as batch {same[1].removeprefix('batch')}: its table serves")
            watch = Stopwatch()
            write_emulation(model, tensors_data(same[2], method), out_dir / folder / EMULATION, work)
            emulation_seconds += watch.seconds
            batches[str(batch)] = {"table": same[1], "emulation": f"{folder}/{EMULATION}", "calibratedTensors": len(same[2])}
    log(f"TensorRT calibration: {len(tables)} table(s) for batch size(s) {', '.join(batches)}")
    return {
        "calibrationTable": TABLE,
        "calibrationFiles": TABLE_FILES,
        "calibrationMethod": method,
        "calibrationSeconds": calibration_seconds,
        "emulationSeconds": emulation_seconds,
        "batches": batches,
        "toolchain": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }


def _calibrate_checked(source: Path, calibration: Samples, batch_size: int, method: str, work: Path) -> dict[str, float]:
    try:
        return calibrate(source, calibration, batch_size, method, work)
    except ToolchainError:
        raise
    except Exception as e:  # noqa: BLE001 (ORT raises plain RuntimeErrors for bad graphs or inputs)
        raise ToolchainError(f"ONNX Runtime calibration of {source.name} failed: {str(e).strip().splitlines()[-1]}") from e


def _from_shared(job: Job, shared: Path, source: Path, out_dir: Path) -> dict:
    """The variant's INT8 artifact from the model's shared calibration: the float model, the table and the emulation
    at the variant's batch size, all linked."""
    from ..jsonio import read_json  # noqa: PLC0415

    meta = read_json(shared / CALIBRATION_META)
    entry = meta["batches"].get(str(job.batch_size))
    if entry is None or meta["calibrationMethod"] != method_of(job):
        raise ToolchainError(f"{shared} holds no {method_of(job)} calibration for batch {job.batch_size}: run the model's calibrate step again")
    link_tree(source, out_dir / ARTIFACT)
    for file in TABLE_FILES.values():
        link_tree(shared / entry["table"] / file, out_dir / file)
    link_tree(shared / entry["emulation"], out_dir / EMULATION)
    log(f"INT8 from the model's shared calibration ({entry['calibratedTensors']} tensors, {meta['calibrationMethod']}, table of {entry['table']})")
    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        **{k: meta[k] for k in ("calibrationTable", "calibrationFiles", "calibrationMethod", "calibrationSeconds", "emulationSeconds", "toolchain")},
        "calibratedTensors": entry["calibratedTensors"],
        "cpuEmulation": EMULATION,
        "cpuEmulationScheme": EMULATION_SCHEME,
        "sharedCalibration": str(shared.relative_to(job.workspace)),
    }


EMULATION_SCHEME = f"QDQ: int8 symmetric per-tensor activations, int8 symmetric per-channel weights, on {', '.join(INT8_OPS)} inputs"


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    import onnx  # noqa: PLC0415
    import onnxruntime  # noqa: PLC0415

    source = source_onnx(job, convert_dir)
    shared = job.optional("sharedCalibrationPath")
    if isinstance(shared, str) and (job.workspace / shared / CALIBRATION_META).is_file():
        return _from_shared(job, job.workspace / shared, source, out_dir)
    method = method_of(job)
    batch_size = job.batch_size
    # the float model TensorRT builds its engine from, beside the table: a link to the export, not a copy
    link_tree(source, out_dir / ARTIFACT)

    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".work-") as tmp, _quiet_ort_quantization():
        work = Path(tmp)
        log(f"calibrating {source.name} ({method}) on {calibration.count} samples, batch {batch_size}")
        watch = Stopwatch()
        amax = _calibrate_checked(out_dir / ARTIFACT, calibration, batch_size, method, work)
        calibration_seconds = watch.seconds
        ranges = tensors_data(amax, method)
        write_table(ranges, out_dir)
        log(f"wrote TensorRT calibration table {TABLE} ({len(amax)} tensors) in {calibration_seconds:.1f}s")

        watch = Stopwatch()
        write_emulation(out_dir / ARTIFACT, ranges, out_dir / EMULATION, work)
        emulation_seconds = watch.seconds
        log(f"wrote CPU INT8 emulation {EMULATION} in {emulation_seconds:.1f}s")

    return {
        "artifact": ARTIFACT,
        "format": "onnx",
        "calibrationTable": TABLE,
        "calibrationFiles": TABLE_FILES,
        "calibrationMethod": method,
        "calibratedTensors": len(amax),
        "calibrationSeconds": calibration_seconds,
        "cpuEmulation": EMULATION,
        "cpuEmulationScheme": EMULATION_SCHEME,
        "emulationSeconds": emulation_seconds,
        "toolchain": {"onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__},
    }


def requantizer(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, meta: dict):
    """Mixed precision (steps/mixed_precision.py): TensorRT's per-layer precision. The table leaves out the outputs of
    the layers kept float; TensorRT runs a layer whose tensors have no range in FP16/FP32 ("Missing scale and
    zero-point for tensor ..., expect fall back to non-int8 implementation"). The CPU emulation leaves the same
    nodes unquantized (nodes_to_exclude), which is what the check and verify measure here (no GPU)."""
    import onnx  # noqa: PLC0415

    from ..requantizers.onnx_qdq import OnnxRequantizer  # noqa: PLC0415

    source = source_onnx(job, convert_dir)
    method = meta["calibrationMethod"]
    tmp = tempfile.TemporaryDirectory(prefix="tf2aif-trt-mixed-")
    work = Path(tmp.name)
    with _quiet_ort_quantization():
        amax = calibrate(source, calibration, job.batch_size, method, work)
    writers = {n.name: list(n.output) for n in onnx.load(str(source), load_external_data=False).graph.node}

    def write(excluded: list[str], out_dir: Path) -> dict:
        float_tensors = {t for name in excluded for t in writers.get(name, [])}
        link_tree(source, out_dir / ARTIFACT)
        with _quiet_ort_quantization():
            write_table(tensors_data({k: v for k, v in amax.items() if k not in float_tensors}, method), out_dir)
            # every range for the emulation: ORT needs one wherever a quantized node reads the float layer's output
            write_emulation(out_dir / ARTIFACT, tensors_data(amax, method), out_dir / EMULATION, work, excluded)
        return {"calibratedTensors": len(amax) - len(float_tensors & amax.keys())}

    return OnnxRequantizer(source, write, tmp)
