"""Mixed precision for OpenVINO INT8 (nncf_ov_int8): NNCF's own accuracy control (`quantize_with_accuracy_control`),
the kept library for this (it ranks NNCF's quantizer groups by what reverting each does to a metric and reverts
them to float until the metric holds). The metric is the check's: the minimum cosine similarity of the outputs
against the float IR's, per calibration-kind sample, with verify's minCosine as the allowed drop from 1. Layers
NNCF leaves without FakeQuantize run on OpenVINO's float kernels. The budget (quantize.maxFloatShare) is checked
on the result; quantize.maxAttempts bounds NNCF's iterations (one layer reverted per iteration).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from ..env import import_nncf
from ..job import Job
from ..progress import Stopwatch, log
from ..runtimes.openvino import compile_cpu
from ..steps.metrics import cosine_per_sample

COMPUTE_LAYERS = ("Convolution", "GroupConvolution", "ConvolutionBackpropData", "MatMul")


def quantized_layers(model) -> set[str]:
    """Conv/matmul layers whose inputs pass through a FakeQuantize (what NNCF made INT8)."""
    return {
        op.get_friendly_name()
        for op in model.get_ops()
        if op.get_type_name() in COMPUTE_LAYERS and any(v.get_node().get_type_name() == "FakeQuantize" for v in op.input_values())
    }


def layer_macs(model) -> dict[str, int]:
    """Multiply-accumulates per sample of each conv/matmul layer, from the IR's shapes (an unknown dimension is 1)."""

    def dims(shape) -> list[int]:
        return [d.get_length() if d.is_static else 1 for d in shape] if shape.rank.is_static else []

    macs = {}
    for op in model.get_ops():
        kind = op.get_type_name()
        if kind not in COMPUTE_LAYERS:
            continue
        out, w = dims(op.get_output_partial_shape(0)), dims(op.get_input_partial_shape(1))
        if not out or not w:
            macs[op.get_friendly_name()] = 0
            continue
        if kind == "MatMul":
            per_output = w[-1] if op.get_attributes().get("transpose_b") else (w[-2] if len(w) > 1 else w[0])
        elif kind == "GroupConvolution":
            per_output = math.prod(w) // max(1, w[0] * w[1])
        else:
            per_output = math.prod(w) // max(1, w[0])
        macs[op.get_friendly_name()] = int(math.prod(out[1:]) * per_output)
    return macs


class NncfRequantizer:
    """mixed_precision's search, done by NNCF (`search` instead of write/profile)."""

    def __init__(self, job: Job, source_xml: Path, items: list[dict], preset: str, advanced) -> None:
        self.job, self.source_xml, self.items, self.preset, self.advanced = job, source_xml, items, preset, advanced

    def search(self, checker, full, meta: dict, policy, out_dir: Path) -> tuple[dict, dict]:
        nncf = import_nncf()
        import openvino as ov  # noqa: PLC0415
        from nncf.quantization.advanced_parameters import AdvancedAccuracyRestorerParameters  # noqa: PLC0415

        from ..quantizers.nncf_ov_int8 import ARTIFACT, XML  # noqa: PLC0415
        from ..steps.mixed_precision import adopt, summary  # noqa: PLC0415

        watch = Stopwatch()
        model = ov.Core().read_model(str(self.source_xml))
        float_compiled = compile_cpu(str(self.source_xml))
        references: dict[int, list[np.ndarray]] = {}

        def outputs(compiled, item) -> list[np.ndarray]:
            result = compiled(item)
            return [np.asarray(result[o], dtype=np.float32) for o in compiled.outputs]

        def validation_fn(compiled, items) -> tuple[float, list[float]]:
            values = []
            for item in items:
                if id(item) not in references:
                    references[id(item)] = outputs(float_compiled, item)
                got = outputs(compiled, item)
                values.append(min(float(cosine_per_sample(r, g).min()) for r, g in zip(references[id(item)], got)))
            return (min(values) if values else 1.0), values

        min_cosine = checker.target() or 1.0
        log(f"NNCF accuracy control: reverting layers to float until the min cosine holds {min_cosine} (at most {policy.max_attempts} layers)")
        try:
            quantized = nncf.quantize_with_accuracy_control(
                model,
                nncf.Dataset(self.items),
                nncf.Dataset(list(checker.batches)),
                validation_fn,
                max_drop=1.0 - min_cosine,
                drop_type=nncf.DropType.ABSOLUTE,
                preset=nncf.QuantizationPreset(self.preset),
                target_device=nncf.TargetDevice.CPU,
                subset_size=len(self.items),
                advanced_quantization_parameters=self.advanced,
                advanced_accuracy_restorer_parameters=AdvancedAccuracyRestorerParameters(max_num_iterations=policy.max_attempts),
            )
        except Exception as e:  # noqa: BLE001 (NNCF raises its own errors and plain ones alike)
            reason = f"NNCF accuracy control failed: {type(e).__name__}: {str(e).strip()[:300]}"
            log(reason)
            return {"found": False, "reason": reason, "fullInt8": full.as_json(), "seconds": watch.seconds}, {}
        full_layers = quantized_layers(ov.Core().read_model(str(out_dir / ARTIFACT / XML)))
        reverted = sorted(full_layers - quantized_layers(quantized))
        macs = layer_macs(model)
        total = sum(macs.values())
        share = sum(macs.get(k, 0) for k in reverted) / total if total else len(reverted) / max(1, len(macs))
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".mixed-") as tmp:
            attempt = Path(tmp)
            (attempt / ARTIFACT).mkdir()
            ov.save_model(quantized, str(attempt / ARTIFACT / XML), compress_to_fp16=False)
            check = checker(attempt, meta, mixed=True)
            log(
                f"NNCF kept {len(reverted)} layer(s) float ({share:.1%} of MACs): min cosine {check.min_cosine:.4f}, "
                f"{'passed' if check.passed else 'not enough'}"
            )
            base = {
                "fullInt8": full.as_json(),
                "attempts": [{"floatLayers": len(reverted), "floatShare": round(share, 4), **check.as_json()}],
                "seconds": watch.seconds,
            }
            if not reverted or not check.passed:
                return {"found": False, "reason": "NNCF's accuracy control found no model that passes the check", **base}, {}
            if share > policy.max_float_share:
                return {
                    "found": False,
                    "reason": f"NNCF's model keeps {share:.1%} of MACs float, over quantize.maxFloatShare ({policy.max_float_share:.0%})",
                    **base,
                }, {}
            adopt(attempt, out_dir)
        kinds = {op.get_friendly_name(): op.get_type_name() for op in model.get_ops()}
        record = {
            "found": True,
            "floatLayers": [{"node": k, "op": kinds.get(k), "key": k} for k in reverted],
            "floatShare": round(share, 4),
            "shareOf": "multiply-accumulates",
            "runsFloatLayers": policy.float_layers,
            "by": "NNCF quantize_with_accuracy_control",
            **base,
        }
        log(f"{summary(record)}: {', '.join(reverted)}")
        return {**record, "summary": summary(record)}, {}
