"""ceiling: the machine's peak GEMM throughput, FP32 and INT8, with the fastest CPU kernels at hand: XNNPACK
through LiteRT (FP32, INT8), OpenVINO's CPU plugin (FP32, and INT8 after NNCF quantization: it uses VNNI/AMX
where the CPU has them) and numpy's BLAS (FP32). Each ceiling is the fastest kernel on this machine (which
one wins differs between machines); variants' achieved FLOP/s are reported as a share of it."""
from __future__ import annotations

import contextlib
import io
import os
import platform
import time

import numpy as np

from ..env import import_nncf, import_tensorflow
from ..job import Job
from ..jsonio import write_json
from ..progress import log
from ..runtimes.openvino import compile_cpu

RESULT_FILE = "ceiling.json"


def _tflite_gemm(m: int, k: int, n: int, int8: bool) -> bytes:
    with contextlib.redirect_stdout(io.StringIO()):  # the Keras export prints its signature to stdout
        return _convert_gemm(m, k, n, int8)


def _convert_gemm(m: int, k: int, n: int, int8: bool) -> bytes:
    tf = import_tensorflow()
    x = tf.keras.Input((k,), batch_size=m, name="x")
    model = tf.keras.Model(x, tf.keras.layers.Dense(n, use_bias=False)(x))
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if int8:
        rng = np.random.default_rng(0)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        converter.representative_dataset = lambda: ([rng.standard_normal((m, k)).astype(np.float32)] for _ in range(4))
    return converter.convert()


def _best_seconds(fn, repeats: int, rounds: int = 5) -> float:
    fn()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def tflite_gops(m: int, k: int, n: int, int8: bool) -> float:
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interpreter = Interpreter(model_content=_tflite_gemm(m, k, n, int8), num_threads=os.cpu_count())
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    data = np.random.default_rng(1).integers(-100, 100, (m, k)).astype(detail["dtype"]) if int8 else np.random.default_rng(1).random((m, k), dtype=np.float32)
    interpreter.set_tensor(detail["index"], data)
    return 2 * m * k * n / _best_seconds(interpreter.invoke, repeats=10) / 1e9


def openvino_gops(m: int, k: int, n: int, int8: bool) -> float:
    import openvino as ov  # noqa: PLC0415
    import openvino.opset13 as ops  # noqa: PLC0415

    rng = np.random.default_rng(3)
    x = ops.parameter([m, k], np.float32, name="x")
    weights = ops.constant(rng.standard_normal((k, n)).astype(np.float32))
    model = ov.Model([ops.matmul(x, weights, False, False)], [x], "gemm")
    if int8:
        nncf = import_nncf()
        model = nncf.quantize(model, nncf.Dataset([rng.standard_normal((m, k)).astype(np.float32) for _ in range(4)]), subset_size=4)
    request = compile_cpu(model).create_infer_request()
    data = rng.standard_normal((m, k)).astype(np.float32)
    return 2 * m * k * n / _best_seconds(lambda: request.infer({0: data}), repeats=10) / 1e9


def numpy_gflops(m: int, k: int, n: int) -> float:
    rng = np.random.default_rng(2)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    return 2 * m * k * n / _best_seconds(lambda: a @ b, repeats=10) / 1e9


def run(job: Job) -> None:
    m, k, n = (int(v) for v in job.require("gemm", list))
    log(f"peak GEMM on {os.cpu_count()} cores: [{m}x{k}] x [{k}x{n}], best of 5 rounds")
    fp32_kernels = {"XNNPACK via LiteRT": tflite_gops(m, k, n, int8=False), "OpenVINO CPU": openvino_gops(m, k, n, int8=False), "numpy BLAS": numpy_gflops(m, k, n)}
    int8_kernels = {"XNNPACK via LiteRT": tflite_gops(m, k, n, int8=True), "OpenVINO CPU (NNCF INT8)": openvino_gops(m, k, n, int8=True)}
    for name, value in fp32_kernels.items():
        log(f"FP32 {name}: {value:.1f} GFLOP/s")
    for name, value in int8_kernels.items():
        log(f"INT8 {name}: {value:.1f} GOP/s")
    fp32_kernel = max(fp32_kernels, key=fp32_kernels.get)
    int8_kernel = max(int8_kernels, key=int8_kernels.get)
    write_json(
        job.out_dir / RESULT_FILE,
        {
            "machine": {"cpu": _cpu_name(), "cores": os.cpu_count(), "arch": platform.machine()},
            "gemm": {"m": m, "k": k, "n": n},
            "fp32Gflops": round(fp32_kernels[fp32_kernel], 2),
            "fp32Kernel": fp32_kernel,
            "int8Gops": round(int8_kernels[int8_kernel], 2),
            "int8Kernel": int8_kernel,
            "kernels": {"fp32": {k: round(v, 2) for k, v in fp32_kernels.items()}, "int8": {k: round(v, 2) for k, v in int8_kernels.items()}},
        },
    )


def _cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
