"""ceiling: the machine's peak throughput, FP32 and INT8, with the fastest CPU kernels at hand, on the two shapes
models spend their time in: a GEMM (XNNPACK through LiteRT, FP32 and INT8; OpenVINO's CPU plugin, FP32 and INT8
after NNCF quantization; numpy's BLAS, FP32) and a 3x3 convolution (OpenVINO, FP32 and INT8: its convolution
kernels beat its GEMM, and an OpenVINO INT8 ResNet50 outran a GEMM-only ceiling). Each ceiling is the fastest
kernel on this machine (which one wins differs between machines), named in the result; variants' achieved FLOP/s
are reported as a share of it. Beside it, the ISA's theoretical figure (logical cores x clock x operations per
cycle from the CPU's flags), an upper bound no kernel reaches."""

from __future__ import annotations

import contextlib
import io
import os
import platform
import re
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
    data = (
        np.random.default_rng(1).integers(-100, 100, (m, k)).astype(detail["dtype"])
        if int8
        else np.random.default_rng(1).random((m, k), dtype=np.float32)
    )
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


# a ResNet-style 3x3 convolution, NCHW: 2 * 28 * 28 * 128 * 128 * 9 = 231 MFLOP per call
CONV = {"input": (1, 128, 28, 28), "filters": 128, "kernel": 3}


def conv_flops() -> int:
    _, c, h, w = CONV["input"]
    return 2 * h * w * c * CONV["filters"] * CONV["kernel"] ** 2


def openvino_conv_gops(int8: bool) -> float:
    import openvino as ov  # noqa: PLC0415
    import openvino.opset13 as ops  # noqa: PLC0415

    rng = np.random.default_rng(4)
    shape, f, k = CONV["input"], CONV["filters"], CONV["kernel"]
    x = ops.parameter(list(shape), np.float32, name="x")
    weights = ops.constant(rng.standard_normal((f, shape[1], k, k)).astype(np.float32) * 0.05)
    conv = ops.convolution(x, weights, [1, 1], [1, 1], [1, 1], [1, 1])
    model = ov.Model([ops.relu(conv)], [x], "conv")
    if int8:
        nncf = import_nncf()
        model = nncf.quantize(model, nncf.Dataset([rng.standard_normal(shape).astype(np.float32) for _ in range(4)]), subset_size=4)
    request = compile_cpu(model).create_infer_request()
    data = rng.standard_normal(shape).astype(np.float32)
    return conv_flops() / _best_seconds(lambda: request.infer({0: data}), repeats=10) / 1e9


def numpy_gflops(m: int, k: int, n: int) -> float:
    rng = np.random.default_rng(2)
    a, b = rng.random((m, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    return 2 * m * k * n / _best_seconds(lambda: a @ b, repeats=10) / 1e9


def run(job: Job) -> None:
    m, k, n = (int(v) for v in job.require("gemm", list))
    conv = f"conv {CONV['kernel']}x{CONV['kernel']} {list(CONV['input'])}x{CONV['filters']}"
    log(f"peak on {os.cpu_count()} cores: GEMM [{m}x{k}] x [{k}x{n}] and {conv}, best of 5 rounds")
    fp32_kernels = {
        "XNNPACK via LiteRT, GEMM": tflite_gops(m, k, n, int8=False),
        "OpenVINO CPU, GEMM": openvino_gops(m, k, n, int8=False),
        f"OpenVINO CPU, {conv}": openvino_conv_gops(int8=False),
        "numpy BLAS, GEMM": numpy_gflops(m, k, n),
    }
    int8_kernels = {
        "XNNPACK via LiteRT, GEMM": tflite_gops(m, k, n, int8=True),
        "OpenVINO CPU (NNCF INT8), GEMM": openvino_gops(m, k, n, int8=True),
        f"OpenVINO CPU (NNCF INT8), {conv}": openvino_conv_gops(int8=True),
    }
    for name, value in fp32_kernels.items():
        log(f"FP32 {name}: {value:.1f} GFLOP/s")
    for name, value in int8_kernels.items():
        log(f"INT8 {name}: {value:.1f} GOP/s")
    fp32_kernel = max(fp32_kernels, key=fp32_kernels.get)
    int8_kernel = max(int8_kernels, key=int8_kernels.get)
    ghz = _clock_ghz()
    theory = held_to(
        theoretical(_cpu_flags(), ghz, os.cpu_count() or 1, _half_width_avx512()), ghz, fp32_kernels[fp32_kernel], int8_kernels[int8_kernel]
    )
    log(f"ISA {theory['isa']}: theoretical {theory['fp32Gflops']} GFLOP/s FP32, {theory['int8Gops']} GOP/s INT8 ({theory['basis']})")
    write_json(
        job.out_dir / RESULT_FILE,
        {
            "machine": {"cpu": _cpu_name(), "cores": os.cpu_count(), "arch": platform.machine()},
            "gemm": {"m": m, "k": k, "n": n},
            "conv": {"input": list(CONV["input"]), "filters": CONV["filters"], "kernel": CONV["kernel"]},
            "fp32Gflops": round(fp32_kernels[fp32_kernel], 2),
            "fp32Kernel": fp32_kernel,
            "int8Gops": round(int8_kernels[int8_kernel], 2),
            "int8Kernel": int8_kernel,
            "isa": theory["isa"],
            "theoretical": {k: v for k, v in theory.items() if k != "isa"},  # the ISA once, above
            "kernels": {"fp32": {k: round(v, 2) for k, v in fp32_kernels.items()}, "int8": {k: round(v, 2) for k, v in int8_kernels.items()}},
        },
    )


# operations per cycle per core, by the widest vector extension the CPU has: 2 FMA units (each 2 operations per
# lane) for FP32; for INT8 the dot-product instructions (VNNI: 4 multiply-adds per 32-bit lane in one instruction;
# without it, vpmaddubsw + vpmaddwd take two). An upper bound: hyperthreads share the units, clocks vary.
_FP32_PER_CYCLE = (("avx512f", "AVX-512", 64), ("avx2", "AVX2", 32), ("sse2", "SSE2", 16))
_INT8_PER_CYCLE = (("avx512_vnni", "AVX-512 VNNI", 256), ("avx_vnni", "AVX-VNNI", 128), ("avx512bw", "AVX-512BW", 128), ("avx2", "AVX2", 64))


def theoretical(flags: set[str], ghz: float | None, cores: int, half_width_avx512: bool = False) -> dict:
    """The ISA's figures: logical cores x clock x operations per cycle (None where the clock is unknown). A CPU that
    runs AVX-512 on 256-bit units (half_width_avx512) does an AVX-512 instruction's work in two passes: AVX2's rate."""

    def rate(table):
        found = next(((name, ops) for flag, name, ops in table if flag in flags), None)
        return (found[0], found[1] // 2) if found and half_width_avx512 and found[0].startswith("AVX-512") else found

    fp32, int8 = rate(_FP32_PER_CYCLE), rate(_INT8_PER_CYCLE)
    isa = int8[0] if int8 and int8[0] != "AVX2" else (fp32[0] if fp32 else platform.machine())

    def figure(entry):
        return round(cores * ghz * entry[1], 1) if entry and ghz else None

    return {
        "isa": isa,
        "fp32Gflops": figure(fp32),
        "int8Gops": figure(int8),
        "basis": (
            f"{cores} logical cores x {ghz or '?'} GHz x {fp32[1] if fp32 else '?'} FP32 / {int8[1] if int8 else '?'} INT8 operations per cycle"
            + (" (AVX-512 on 256-bit units)" if half_width_avx512 else "")
        ),
    }


def held_to(theory: dict, ghz: float | None, fp32: float, int8: float) -> dict:
    """The theoretical figures, said to be no upper bound where a kernel measured more: the clock read (a VM's
    /proc/cpuinfo gives the nominal one) is below the one the cores ran at (2-core Zen 4: 2.6 GHz read, XNNPACK's
    GEMM 216.5 GFLOP/s against 166.4 at that clock)."""
    over = [(measured / figure) for measured, figure in ((fp32, theory["fp32Gflops"]), (int8, theory["int8Gops"])) if figure and measured > figure]
    if not over or not ghz:
        return theory
    return {
        **theory,
        "upperBound": False,
        "basis": theory["basis"] + f"; a kernel measured more: the cores ran at {ghz * max(over):.2f} GHz or more, above the clock read, "
        "so these figures are no upper bound here",
    }


def _half_width_avx512() -> bool:
    """AMD's Zen 4 (family 25 with AVX-512) splits each 512-bit instruction over its 256-bit units; Zen 5 (family 26)
    and Intel's AVX-512 cores have full-width units."""
    rows = {key.strip(): value.strip() for key, value in (row.split(":", 1) for row in _cpuinfo()[:30] if ":" in row)}
    vendor, family = rows.get("vendor_id"), rows.get("cpu family")
    return vendor == "AuthenticAMD" and family == "25"


def _cpuinfo() -> list[str]:
    try:
        with open("/proc/cpuinfo") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _cpu_flags() -> set[str]:
    line = next((row for row in _cpuinfo() if row.startswith("flags")), "")
    return set(line.split(":", 1)[1].split()) if ":" in line else set()


def _clock_ghz() -> float | None:
    """The nominal clock from the model name ("@ 2.80GHz"), else the current one."""
    name = _cpu_name()
    found = re.search(r"@\s*([0-9.]+)\s*GHz", name)
    if found:
        return float(found.group(1))
    mhz = next((row.split(":", 1)[1] for row in _cpuinfo() if row.startswith("cpu MHz")), None)
    return round(float(mhz) / 1000, 2) if mhz else None


def _cpu_name() -> str:
    line = next((row for row in _cpuinfo() if row.startswith("model name")), None)
    return line.split(":", 1)[1].strip() if line else platform.processor() or "unknown"
