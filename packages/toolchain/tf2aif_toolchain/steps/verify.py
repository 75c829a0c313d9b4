"""verify: run the variant and the TensorFlow original on the same inputs and compare their outputs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from ..adapters import load_runtime
from ..artifact import read_meta, read_model_meta
from ..data import shape_points
from ..diagnostics import int8_error_profile, int8_error_profile_openvino, int8_error_profile_tflite
from ..errors import ToolchainError
from ..job import Job
from ..jsonio import write_json
from ..progress import Stopwatch, log
from ..runtimes.openvino import XML as OPENVINO_XML
from ..runtimes.tensorflow import TensorFlowRunner
from . import detections, metrics, reference

RESULT_FILE = "verify.json"


def lazy(make):
    """make() on first call, the same object after: the original is loaded only where no stored outputs serve."""
    made = []

    def get():
        if not made:
            made.append(make())
        return made[0]

    return get


def compare_outputs(ref: dict[str, list[np.ndarray]], got: dict[str, list[np.ndarray]], task: str) -> dict[str, dict]:
    """Per output: the variant against the reference, over one group of outputs per input shape."""
    missing = set(ref) - set(got)
    if missing:
        raise ToolchainError(f"the variant does not produce output(s) {sorted(missing)} (it produces {sorted(got)})")
    result = {}
    for name in sorted(ref):
        refs, gots = ref[name], got[name]
        stats = metrics.grouped_error_stats(refs, gots)
        if task == "classification" and refs[0].ndim >= 2 and refs[0].shape[-1] > 1:
            stats["top1Agreement"] = metrics.per_sample_mean(metrics.top1_agreement, refs, gots)
        if task == "segmentation" and refs[0].ndim >= 3:
            stats["iouAgreement"] = metrics.per_sample_mean(metrics.iou_agreement, refs, gots)
        result[name] = stats
    return result


def matched_detections(refs: dict, gots: dict, roles: dict[str, str]) -> tuple[dict, dict, float]:
    """Reference and variant NMS outputs on their matched detections (detections.match), per shape group; the
    share of reference detections the variant found (weighted by samples)."""
    names = list(roles.values())
    ref_out = {k: list(v) for k, v in refs.items()}
    got_out = {k: list(v) for k, v in gots.items()}
    shares, counts = [], []
    for g in range(len(refs[names[0]])):
        ref_g, got_g, share = detections.match({n: refs[n][g] for n in names}, {n: gots[n][g] for n in names}, roles)
        for n in names:
            ref_out[n][g], got_out[n][g] = ref_g[n], got_g[n]
        shares.append(share)
        counts.append(len(refs[names[0]][g]))
    return ref_out, got_out, float(np.average(shares, weights=counts))


def run_groups(groups, batch_size: int, reference, variant, stored: list[dict[str, np.ndarray]] | None = None) -> tuple[dict, dict, list]:
    """Reference and variant outputs per output name, one array per group (input shape); the first batches. The
    reference's outputs are `stored` (the model's reference step) where given, else `reference()` runs them."""
    refs: dict[str, list[np.ndarray]] = {}
    gots: dict[str, list[np.ndarray]] = {}
    first_batches: list[dict[str, np.ndarray]] = []
    for g, group in enumerate(groups):
        group_refs: dict[str, list[np.ndarray]] = {}
        group_gots: dict[str, list[np.ndarray]] = {}
        for index, (batch, real) in enumerate(group.batches(batch_size)):
            if group is groups[0] and index * batch_size < PROFILE_SAMPLES:
                first_batches.append(batch)
            start = index * batch_size
            ref = {k: v[start : start + real] for k, v in stored[g].items()} if stored else reference().run(batch)
            got = variant.run(batch)
            for name in ref:
                group_refs.setdefault(name, []).append(ref[name][:real])
                if name in got:
                    group_gots.setdefault(name, []).append(np.asarray(got[name])[:real])
        for name, parts in group_refs.items():
            refs.setdefault(name, []).append(np.concatenate(parts))
        for name, parts in group_gots.items():
            gots.setdefault(name, []).append(np.concatenate(parts))
    return refs, gots, first_batches


def platform_key(job: Job) -> str:
    """The variant's key in tf2aif.json's platforms (its project is <model>-<key>)."""
    variant, model = job.require("variant", str), job.require("model", str)
    return variant.removeprefix(f"{model}-") if isinstance(model, str) and variant.startswith(f"{model}-") else variant


def saturation_advice(name: str, d: dict, key: str) -> str:
    """One line: why an INT8 softmax output lost its probabilities, and the two fixes."""
    step = d["variantStep"] or metrics.TFLITE_SOFTMAX_STEP
    shown = f"{step:.2g}" + (" (1/256: 8 bits over [0, 1], TFLite's fixed softmax scale)" if d["variantStep"] is None else "")
    return (
        f"output {name}: looks like a softmax over {d['classes']} classes whose typical value {d['typicalReference']:.2g} "
        f"is {'below' if d['typicalReference'] < step else 'close to'} the INT8 output step {shown}, "
        f"so {d['zeroedShare']:.0%} of the probabilities come out as 0; "
        "have the model output logits (apply softmax in a postprocess hook, or classifier_activation=None for "
        f'keras.applications), or keep this platform in FP32 (platforms.{key}.precision "fp32")'
    )


def diagnose(job: Job, outputs: dict, ref: dict, got: dict, tolerance: dict, task: str) -> dict[str, dict]:
    """For each INT8 output out of tolerance: a known cause with its fix (a collapsed softmax), when one is seen."""
    if job.precision != "int8":
        return {}
    found = {}
    for name, stats in outputs.items():
        if name not in ref or name not in got or not metrics.output_failures(name, stats, tolerance, task):
            continue  # (outputs of several input shapes are not diagnosed)
        diagnosis = metrics.saturation(ref[name], got[name])
        if diagnosis is not None:
            found[name] = {**diagnosis, "message": saturation_advice(name, diagnosis, platform_key(job))}
    return found


# the verify batches an INT8 error profile runs on: enough samples for a stable SQNR, few enough to stay quick
PROFILE_SAMPLES = 8


def int8_profile(job: Job, model_file: Path, batches: list[dict[str, np.ndarray]]) -> int8_error_profile.ErrorProfile | None:
    """Where an INT8 variant loses accuracy, against the float model its quantizer started from (convertPath:
    the convert step's output), for ONNX, TFLite and OpenVINO IR artifacts; None for other formats."""
    convert_dir = job.optional("convertPath")
    if job.precision != "int8" or not isinstance(convert_dir, str) or not batches:
        return None
    converted = job.path("convertPath") / read_meta(job.path("convertPath"))["artifact"]
    if converted.suffix != model_file.suffix or converted.resolve() == model_file.resolve():
        return None
    if model_file.suffix == ".onnx":
        # an ONNX variant's batch size is static: one batch
        run_profile = partial(int8_error_profile.profile, converted, model_file, batches[0])
    elif model_file.suffix == ".tflite":
        run_profile = partial(int8_error_profile_tflite.profile, converted, model_file, batches)
    elif (model_file / OPENVINO_XML).is_file() and (converted / OPENVINO_XML).is_file():
        run_profile = partial(int8_error_profile_openvino.profile, converted / OPENVINO_XML, model_file / OPENVINO_XML, batches)
    else:
        return None
    log(f"profiling the INT8 error layer by layer against {converted.name}")
    try:
        return run_profile()
    except Exception as e:  # noqa: BLE001 (a diagnosis must not hide the failure it explains)
        log(f"warning: the INT8 error profile failed ({type(e).__name__}: {e}); the failure above stands")
        return None


@dataclass
class Judgement:
    """The variant's outputs against the reference's, and every way they miss the tolerance."""

    outputs: dict[str, dict]
    tolerance: dict[str, float]
    failures: list[str]
    diagnoses: dict[str, dict]
    detection_agreement: float | None
    accuracy: dict | None


def judge(job: Job, model: dict, refs: dict, gots: dict, groups: list) -> Judgement:
    """Verify's comparison, also run by the quantize step's accuracy check (mixed_precision.py): detections
    matched first where the model has NMS outputs, the metrics per output, the tolerance, a known cause."""
    task = job.require("task", str)
    roles = model.get("nmsOutputs")
    detection_agreement = None
    if roles and all(name in gots for name in roles.values()):
        refs, gots, detection_agreement = matched_detections(refs, gots, roles)
    ref_all = {k: np.concatenate(v) for k, v in refs.items() if len(v) == 1}  # one shape: diagnoses read them
    got_all = {k: np.concatenate(v) for k, v in gots.items() if len(v) == 1}
    outputs = compare_outputs(refs, gots, task)
    # resolved by the plugin (settings/draw-settings.ts: tf2aif.json's verify.tolerances over DEFAULT_TOLERANCES)
    tolerance = job.require("tolerance", dict)
    diagnoses = diagnose(job, outputs, ref_all, got_all, tolerance, task)
    accuracy = None
    if task == "classification" and len(groups) == 1 and groups[0].labels is not None:
        first = sorted(refs)[0]
        accuracy = metrics.accuracy_delta(refs[first][0], gots[first][0], groups[0].labels)
    summary = {"outputs": outputs, "accuracy": accuracy, **({"detectionAgreement": detection_agreement} if detection_agreement is not None else {})}
    failures = metrics.check(summary, tolerance, task) + [d["message"] for d in diagnoses.values()]
    return Judgement(outputs, tolerance, failures, diagnoses, detection_agreement, accuracy)


def verification_groups(job: Job, meta: dict) -> tuple[list, list[str]]:
    """The samples verify compares on, one group per input shape (opt, min, max where the artifact kept them
    dynamic)."""
    points = shape_points(job.inputs, meta.get("fixedShapes"))
    return reference.verification_groups(job, points), points


def run(job: Job) -> None:
    task = job.require("task", str)
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    artifact_dir = job.path("artifactPath")
    meta = read_meta(artifact_dir)
    # an input with unknown dimensions is verified at its shape range's opt, min and max (where the artifact kept
    # them dynamic); the samples are split between the shapes
    groups, points = verification_groups(job, meta)
    count = sum(g.count for g in groups)
    shapes = "" if len(groups) == 1 else f" at {len(groups)} input shapes ({', '.join(points)})"

    log(f"verifying {job.require('variant', str)} ({meta['artifact']}, runtime {meta['runtime']}) on {count} samples{shapes}")
    stored = reference.stored_outputs(job.optional_path(job.optional("referencePath")), points, groups)
    log(
        "the original's outputs: "
        + ("the model's reference step's" if stored else "running the TensorFlow SavedModel (no stored reference for these samples)")
    )
    original = lazy(lambda: TensorFlowRunner(model_dir / model["savedModel"]))
    executor = job.runtime_entry(meta["runtime"])["executor"]  # a fallback runtime's artifact: its executor
    variant = load_runtime(executor).load(artifact_dir, meta)
    watch = Stopwatch()
    refs, gots, first_batches = run_groups(groups, job.batch_size, original, variant, stored)
    verdict = judge(job, model, refs, gots, groups)
    if verdict.detection_agreement is not None:
        log(f"detections matched by class and IoU before comparing (NMS outputs): {verdict.detection_agreement:.4f} of the reference's found")
    outputs, failures, diagnoses = verdict.outputs, list(verdict.failures), verdict.diagnoses
    result = {
        "variant": job.require("variant", str),
        "platform": job.require("platform", str),
        "runtime": meta["runtime"],
        **({"fallback": meta["fallback"]} if "fallback" in meta else {}),
        "precision": job.precision,
        **({"mixedPrecision": meta["mixedPrecision"]} if "mixedPrecision" in meta else {}),
        "task": task,
        "samples": count,
        "inputOrigin": groups[0].origin,
        **({"inputShapes": [{n: list(a.shape[1:]) for n, a in g.arrays.items()} for g in groups]} if len(groups) > 1 else {}),
        "trained": job.require("trained", bool),
        "executedWith": getattr(variant, "description", executor),
        "outputs": outputs,
        "accuracy": verdict.accuracy,
        **({"detectionAgreement": verdict.detection_agreement} if verdict.detection_agreement is not None else {}),
        "tolerance": verdict.tolerance,
        "seconds": watch.seconds,
    }
    model_file = getattr(variant, "model_path", None) or artifact_dir / meta["artifact"]
    if failures and not diagnoses and (profile := int8_profile(job, Path(model_file), first_batches)):
        result["int8ErrorProfile"] = profile.as_json()
        failures.append(int8_error_profile.message(profile, platform_key(job)))
    if failures and meta.get("mixedPrecision", {}).get("found") is False:
        failures.append(f"mixed precision: {meta['mixedPrecision']['reason']}")
    result["passed"] = not failures
    for name, diagnosis in diagnoses.items():
        outputs[name]["diagnosis"] = diagnosis
    write_json(job.out_dir / RESULT_FILE, result)
    for name, stats in outputs.items():
        log(f"output {name}: " + ", ".join(f"{k} {v:.6g}" for k, v in stats.items() if k != "diagnosis"))
    if failures:
        raise ToolchainError(
            f"{job.require('variant', str)} is out of tolerance against the TensorFlow original:\n  - "
            + "\n  - ".join(failures)
            + "\n(tolerances can be set per precision in tf2aif.json verify.tolerances)"
        )
    accuracy = verdict.accuracy
    if accuracy:
        log(
            f"top-1 accuracy on {accuracy['samples']} labelled samples: TensorFlow {accuracy['reference']:.4f}, "
            f"variant {accuracy['variant']:.4f} ({accuracy['deltaPoints']:+.2f} points)"
        )
    log("verified: within tolerance")
