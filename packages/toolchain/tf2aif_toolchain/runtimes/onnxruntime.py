"""ONNX Runtime: TensorRT execution provider first, then CUDA, then CPU (TF2AIF's GPU/AGX server order).

On a machine without an NVIDIA provider an INT8 variant runs its QDQ emulation (same calibration ranges) on the
CPU, and the runner's description says so. An INT8 QDQ model on the CPU stands in for another device's integer
math (TensorRT, a Vitis AI DPU), so ORT runs it unfused (session.disable_quant_qdq): its fused x86 int8 kernels
(u8s8) saturate on CPUs without VNNI, measured here on an AVX2 EPYC: a 16x5 per-channel QDQ MatMul off by up to
0.31 on outputs of 0.63, so verify would have measured this CPU's overflow instead of the variant. TF2AIF_REQUIRE_GPU=1
turns that fallback into an error, for runs that must measure the real GPU path. TF2AIF_TRT_CACHE_DIR keeps TensorRT
engines between runs (default: a temp dir).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from ..progress import log

TRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
GPU_PROVIDERS = (TRT, CUDA)


def gpu_required() -> bool:
    return os.environ.get("TF2AIF_REQUIRE_GPU", "").strip().lower() in ("1", "true", "yes")


def targets_nvidia(meta: dict) -> bool:
    """GPU/AGX variants; other users of this runtime (the Vitis AI QDQ models) always run on the CPU."""
    return "tensorrt" in str(meta.get("runtime", "")) or "cuda" in str(meta.get("runtime", "")) or "calibrationTable" in meta


def tensorrt_options(meta: dict, artifact_dir: Path, cache_dir: Path) -> dict[str, str]:
    """Provider options for the variant's precision; the calibration table is looked up inside the cache dir."""
    precision = meta.get("precision", "fp32")
    options = {
        "trt_engine_cache_enable": "True",
        "trt_engine_cache_path": str(cache_dir),
        "trt_fp16_enable": str(precision == "fp16"),
    }
    profiles = meta.get("shapeProfiles") or {}
    for which in ("min", "opt", "max") if profiles else ():
        # inputs with unknown dimensions: one optimization profile over the shape range (tf2aif.json shapeRange)
        options[f"trt_profile_{which}_shapes"] = ",".join(f"{name}:{'x'.join(map(str, p[which]))}" for name, p in sorted(profiles.items()))
    table = meta.get("calibrationTable")
    if precision == "int8" and table:
        # the EP joins the table name to its cache path, so the table goes next to the engines
        shutil.copyfile(artifact_dir / table, cache_dir / table)
        options.update(
            {
                "trt_int8_enable": "True",
                "trt_int8_calibration_table_name": table,
                "trt_int8_use_native_calibration_table": "False",  # ORT's flatbuffers table, not TensorRT's cache
            }
        )
    return options


def choose_providers(available: list[str], meta: dict, artifact_dir: Path, cache_dir: Path) -> list:
    """TensorRT, CUDA, CPU: those of them this onnxruntime build has, in that order, with their options."""
    providers: list = []
    if TRT in available:
        providers.append((TRT, tensorrt_options(meta, artifact_dir, cache_dir)))
    if CUDA in available:
        providers.append((CUDA, {}))
    providers.append(CPU)
    return providers


def _no_gpu_error(available: list[str], used: list[str] | None = None) -> ToolchainError:
    got = f"; the session runs on {used}" if used else ""
    return ToolchainError(
        f"TF2AIF_REQUIRE_GPU=1 but ONNX Runtime has no CUDA or TensorRT execution provider here (available: {available}{got}). "
        "Run on a machine with an NVIDIA GPU and onnxruntime-gpu (with CUDA, cuDNN and TensorRT libraries), "
        "or unset TF2AIF_REQUIRE_GPU to verify on the CPU"
    )


def describe(used: str, meta: dict, emulated: bool) -> str:
    precision = str(meta.get("precision", "fp32")).upper()
    table = meta.get("calibrationTable") and precision == "INT8"
    if used == TRT:
        return f"ONNX Runtime {TRT} ({'INT8 with the TensorRT calibration table' if table else precision})"
    if emulated:
        return f"ONNX Runtime {CPU}, INT8 emulated with QDQ from the TensorRT calibration table (no CUDA/TensorRT provider here)"
    if table:
        # the FP32 graph: without TensorRT the calibration table has no effect
        return f"ONNX Runtime {used}, FP32 model (INT8 needs the TensorRT provider; the calibration table is unused)"
    notes = []
    if used == CPU and precision == "FP16":
        notes.append("FP16 weights, most ops computed in FP32 after casts: CPU kernels lack FP16")
    if used == CPU and targets_nvidia(meta):
        notes.append("no CUDA/TensorRT provider here")
    return f"ONNX Runtime {used}, {precision} model" + (f" ({'; '.join(notes)})" if notes else "")


def _as_float32(value) -> np.ndarray:
    value = np.asarray(value)
    return value.astype(np.float32, copy=False) if np.issubdtype(value.dtype, np.floating) else value


class OnnxRuntimeRunner:
    def __init__(self, artifact_dir: Path, meta: dict) -> None:
        import onnxruntime as ort  # noqa: PLC0415

        nvidia = targets_nvidia(meta)
        available = ort.get_available_providers() if nvidia else [CPU]
        require = nvidia and gpu_required()
        if require and not any(p in available for p in GPU_PROVIDERS):
            raise _no_gpu_error(available)
        cache = os.environ.get("TF2AIF_TRT_CACHE_DIR")
        self._tmp = None if cache else tempfile.TemporaryDirectory(prefix="tf2aif-trt-")
        cache_dir = Path(cache or self._tmp.name)
        cache_dir.mkdir(parents=True, exist_ok=True)

        providers = choose_providers(available, meta, artifact_dir, cache_dir)
        model = artifact_dir / meta["artifact"]
        emulated = False
        if not any(p in available for p in GPU_PROVIDERS) and meta.get("cpuEmulation"):
            model, emulated = artifact_dir / meta["cpuEmulation"], True
        exact = meta.get("precision") == "int8"
        self._session = self._open(ort, model, providers, exact)
        used = self._session.get_providers()
        if not any(p in used for p in GPU_PROVIDERS):
            # a GPU provider can be listed yet fail to load (no driver, no TensorRT libs): ORT then falls back to CPU
            if require:
                raise _no_gpu_error(available, used)
            if not emulated and meta.get("cpuEmulation"):
                model, emulated = artifact_dir / meta["cpuEmulation"], True
                self._session = self._open(ort, model, [CPU], exact)
        self.model_path = model
        self.provider = self._session.get_providers()[0]
        self.description = describe(self.provider, meta, emulated)
        self._outputs = [o.name for o in self._session.get_outputs()]
        log(f"{self.description}: {model.name}")

    @staticmethod
    def _open(ort, model: Path, providers: list, exact_int8: bool = False):
        if not model.is_file():
            raise ToolchainError(f"{model} is missing: run the convert/quantize step of this variant again")
        options = ort.SessionOptions()
        if exact_int8 and not any(isinstance(p, tuple) and p[0] in GPU_PROVIDERS or p in GPU_PROVIDERS for p in providers):
            # QDQ as written (int8 values, float math): exact on every CPU, where the fused kernels may overflow
            options.add_session_config_entry("session.disable_quant_qdq", "1")
        if any(p[0] == TRT for p in providers if isinstance(p, tuple)):
            # as TF2AIF's GPU server: TensorRT optimizes the graph itself, and ORT's rewrites could rename the
            # tensors that the calibration table names
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        try:
            return ort.InferenceSession(str(model), sess_options=options, providers=providers)
        except Exception as e:  # noqa: BLE001 (ORT raises its own exception types per failure)
            raise ToolchainError(f"ONNX Runtime cannot load {model.name}: {str(e).strip().splitlines()[0]}") from e

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = self._session.run(self._outputs, batch)
        # float32 outputs for comparison, whatever precision ran inside
        return {name: _as_float32(value) for name, value in zip(self._outputs, results)}


def load(artifact_dir: Path, meta: dict) -> OnnxRuntimeRunner:
    return OnnxRuntimeRunner(artifact_dir, meta)
