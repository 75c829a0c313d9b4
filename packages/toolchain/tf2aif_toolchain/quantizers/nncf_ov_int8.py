"""Quantizer nncf_ov_int8: the INT8 artifact of platform cpu-int8 (x86-64 CPU, INT8 OpenVINO IR quantized by NNCF).

Scaffolded by `nx g @tf2aif/nx:platform cpu-int8`, then filled in.
NNCF post-training quantization (`nncf.quantize`) of the FP32 OpenVINO IR that converters/openvino.py made:
min-max ranges from the calibration samples, then fast bias correction. NNCF puts FakeQuantize ops on the
inputs of convolutions and matmuls and stores their weights as INT8 constants; OpenVINO's CPU plugin then runs
those layers with INT8 kernels (VNNI or AMX where the CPU has them). Inputs and outputs stay float32, so clients,
verify and the server feed the same arrays as for FP32, and the same runtime (runtimes/openvino.py) loads it.

Preset: "performance" (symmetric INT8 activations and weights, the fastest kernels) for models whose activations
are ReLU-like, as most CNNs; "mixed" (asymmetric activations) where an activation with a negative range (Swish,
HSwish, GELU, ELU, PReLU, Tanh, ...) feeds a quantized layer, as NNCF's documentation advises for such models.
We have not measured the two presets against each other (neither bundled model has such activations). The
choice and its reason are written to artifact.json.

Overflow fix on every layer (7-bit weights): a CPU without VNNI multiplies u8 x s8 pairs into saturating int16
(vpmaddubsw), so full 8-bit weights overflow there. NNCF's default fixes only the first layer; measured here (AVX2
EPYC, no VNNI) on an LSTM text classifier: min cosine 0.54 with the default, 0.99 with every layer fixed. The IR is
built once and may run on any x86 CPU, so it is made safe for all of them (costs about one bit of weight precision).
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..artifact import converted_artifact
from ..data import Samples
from ..env import import_nncf
from ..errors import ToolchainError
from ..job import Job
from ..progress import log
from ..runtimes.openvino import compile_cpu

ARTIFACT = "openvino_model"  # a folder: model.xml + model.bin, as the FP32 IR
XML = "model.xml"

# activations with a negative output range: NNCF advises the "mixed" preset (asymmetric activations) for them
SIGNED_ACTIVATIONS = {"Swish", "HSwish", "Gelu", "Elu", "PRelu", "Mish", "Tanh", "Selu", "SoftSign"}
# layers whose INT8 execution is the point of this platform
COMPUTE_LAYERS = {"Convolution", "GroupConvolution", "Deconvolution", "FullyConnected", "MatMul"}


def choose_preset(model) -> tuple[str, str]:
    """("performance" | "mixed", why)."""
    signed = sorted({op.get_type_name() for op in model.get_ops()} & SIGNED_ACTIVATIONS)
    if signed:
        return "mixed", f"activations that go negative ({', '.join(signed)}): asymmetric INT8 activations"
    return "performance", "ReLU-like or no activations: symmetric INT8 activations and weights"


def calibration_items(model, calibration: Samples) -> tuple[list[dict], int]:
    """Calibration inputs keyed by input name, in batches the IR accepts (1 where its batch is dynamic)."""
    first = model.inputs[0].get_partial_shape()
    static = first.rank.is_static and first.rank.get_length() > 0 and first[0].is_static
    size = first[0].get_length() if static else 1
    if size > calibration.count:
        raise ToolchainError(f"the IR has a fixed batch of {size} but there are only {calibration.count} calibration samples")
    return [batch for batch, real in calibration.batches(size) if real == size], size


def int8_summary(model) -> dict:
    """What the saved IR holds: quantizers inserted and INT8 weight constants."""
    ops = model.get_ops()
    import openvino as ov  # noqa: PLC0415

    return {
        "fakeQuantize": sum(op.get_type_name() == "FakeQuantize" for op in ops),
        "int8WeightConstants": sum(op.get_type_name() == "Constant" and op.get_element_type() == ov.Type.i8 for op in ops),
    }


def int8_kernels(xml: Path) -> dict:
    """How many compute layers the CPU plugin runs in INT8 here, compiled as the runtime compiles it."""
    compiled = compile_cpu(str(xml))
    layers = [op.get_rt_info() for op in compiled.get_runtime_model().get_ops()]
    compute = [info for info in layers if info["layerType"].astype(str) in COMPUTE_LAYERS]
    int8 = [info for info in compute if info["runtimePrecision"].astype(str).lower() in ("i8", "u8")]
    return {"int8": len(int8), "computeLayers": len(compute)}


def nncf_quantize(job: Job, model, items: list[dict], preset: str, float_layers: list[str] | None = None):
    """NNCF's post-training quantization of `model` as this quantizer runs it; the ops named in float_layers (their
    friendly names: NNCF's ignored scope) keep float inputs and weights (mixed precision)."""
    nncf = import_nncf()
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters, OverflowFix  # noqa: PLC0415

    # validate=False: a reader the search keeps float beside a layer may be an op NNCF never quantizes
    ignored = {"ignored_scope": nncf.IgnoredScope(names=float_layers, validate=False)} if float_layers else {}
    # NNCF logs a line per input it leaves float (a hundred per attempt on NASNetMobile): the search says what it kept
    nncf.set_log_level(logging.WARNING)
    try:
        return nncf.quantize(
            model,
            nncf.Dataset(items),
            preset=nncf.QuantizationPreset(preset),
            target_device=nncf.TargetDevice.CPU,
            subset_size=len(items),
            advanced_parameters=AdvancedQuantizationParameters(overflow_fix=OverflowFix.ENABLE),
            **ignored,
        )
    except Exception as e:  # noqa: BLE001 (NNCF raises its own errors and plain ones alike)
        raise ToolchainError(f"NNCF quantization of {job.require('variant', str)} failed: {type(e).__name__}: {str(e).strip()[:500]}") from e


def save(job: Job, quantized, out_dir: Path, mixed: bool = False) -> dict:
    """Writes the INT8 IR into out_dir; the meta fields that say what it holds. A mixed-precision attempt may keep
    every quantizable layer float (a budget that allows it): an attempt, not an error, and its kernel count (a
    compile, 2 s on NASNetMobile) waits until the search adopts one (kernel_count)."""
    import openvino as ov  # noqa: PLC0415

    summary = int8_summary(quantized)
    if summary["fakeQuantize"] == 0 and not mixed:
        raise ToolchainError(
            f"NNCF found nothing to quantize in {job.require('variant', str)} (no convolution or matmul it can run in INT8): "
            "an INT8 variant of it would be FP32; use the cpu platform"
        )
    (out_dir / ARTIFACT).mkdir()
    xml = out_dir / ARTIFACT / XML
    ov.save_model(quantized, str(xml), compress_to_fp16=False)
    log(f"{summary['fakeQuantize']} quantizers, {summary['int8WeightConstants']} INT8 weight tensors")
    return {"quantized": summary, **({} if mixed else kernel_count(out_dir))}


def kernel_count(out_dir: Path) -> dict:
    """The meta field that says how many conv/matmul layers the CPU plugin runs in INT8 (the IR in out_dir)."""
    kernels = int8_kernels(out_dir / ARTIFACT / XML)
    log(f"the CPU plugin runs {kernels['int8']} of {kernels['computeLayers']} conv/matmul layers in INT8 here")
    return {"int8Kernels": kernels}


def quantize(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    nncf = import_nncf()
    import openvino as ov  # noqa: PLC0415

    if job.precision != "int8":
        raise ToolchainError(f"quantizer nncf_ov_int8 makes INT8 models, not {job.precision}")
    converted, source = converted_artifact(job, convert_dir, "openvino-ir", "an OpenVINO IR", inside=XML)
    model = ov.Core().read_model(str(source))
    preset, reason = choose_preset(model)
    items, batch = calibration_items(model, calibration)
    log(f"NNCF: quantizing {source.parent.name} to INT8 ({preset} preset: {reason}) on {len(items) * batch} samples")
    written = save(job, nncf_quantize(job, model, items, preset), out_dir)
    return {
        "artifact": ARTIFACT,
        "format": "openvino-ir",
        "model": f"{ARTIFACT}/{XML}",
        "outputs": converted.get("outputs"),
        "source": converted["artifact"],
        "method": "NNCF post-training quantization (min-max ranges, fast bias correction)",
        "preset": preset,
        "presetReason": reason,
        "weightsDtype": "int8",
        "overflowFix": "every layer (7-bit weights): exact on CPUs without VNNI too",
        "ioDtype": "float32",
        **written,
        "toolchain": {"nncf": nncf.__version__, "openvino": ov.__version__.split("-")[0]},
    }


def requantizer(job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, meta: dict):
    """Mixed precision (steps/mixed_precision.py): the same quantization with NNCF's ignored scope
    (requantizers/openvino_ir.py)."""
    import openvino as ov  # noqa: PLC0415

    from ..requantizers.openvino_ir import OpenVinoRequantizer  # noqa: PLC0415

    _, source = converted_artifact(job, convert_dir, "openvino-ir", "an OpenVINO IR", inside=XML)
    items, _ = calibration_items(ov.Core().read_model(str(source)), calibration)

    def write(float_layers: list[str], out_dir: Path) -> dict:
        return save(job, nncf_quantize(job, ov.Core().read_model(str(source)), items, meta["preset"], float_layers), out_dir, mixed=True)

    return OpenVinoRequantizer(source, write, kernel_count)
