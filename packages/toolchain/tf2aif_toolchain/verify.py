"""verify: run the variant and the TensorFlow original on the same inputs and compare their outputs."""
from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from . import int8_error_profile, int8_error_profile_tflite, metrics
from .artifact import read_meta, read_model_meta
from .data import samples_for
from .errors import ToolchainError
from .job import Job
from .jsonio import write_json
from .adapters import load_runtime
from .progress import Stopwatch, log
from .runtimes.tensorflow import TensorFlowRunner

RESULT_FILE = "verify.json"


# With random weights, class scores are near ties: arg-max agreement then measures noise, not the variant.
AGREEMENT_CHECKS = ("minTop1Agreement", "minIouAgreement")


def tolerance_for(job: Job) -> dict[str, float]:
    """Defaults per precision, overridden by tf2aif.json; for an untrained model the arg-max agreements are
    reported but only enforced when configured explicitly."""
    configured = job.require("verify", dict)["tolerances"].get(job.precision, {})
    defaults = dict(metrics.DEFAULT_TOLERANCES.get(job.precision, {}))
    if not job.require("trained", bool):
        for key in AGREEMENT_CHECKS:
            defaults.pop(key, None)
    return {**defaults, **configured}


def compare_outputs(ref: dict[str, np.ndarray], got: dict[str, np.ndarray], task: str) -> dict[str, dict]:
    missing = set(ref) - set(got)
    if missing:
        raise ToolchainError(f"the variant does not produce output(s) {sorted(missing)} (it produces {sorted(got)})")
    result = {}
    for name in sorted(ref):
        stats = metrics.error_stats(ref[name], got[name])
        if task == "classification" and ref[name].ndim >= 2 and ref[name].shape[-1] > 1:
            stats["top1Agreement"] = metrics.top1_agreement(ref[name], got[name])
        if task == "segmentation" and ref[name].ndim >= 3:
            stats["iouAgreement"] = metrics.iou_agreement(ref[name], got[name])
        result[name] = stats
    return result


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
        if not metrics.output_failures(name, stats, tolerance, task):
            continue
        diagnosis = metrics.saturation(ref[name], got[name])
        if diagnosis is not None:
            found[name] = {**diagnosis, "message": saturation_advice(name, diagnosis, platform_key(job))}
    return found


# the verify batches an INT8 error profile runs on: enough samples for a stable SQNR, few enough to stay quick
PROFILE_SAMPLES = 8


def int8_profile(job: Job, model_file: Path, batches: list[dict[str, np.ndarray]]) -> int8_error_profile.ErrorProfile | None:
    """Where an INT8 variant loses accuracy, against the float model its quantizer started from (convertPath:
    the convert step's output), for ONNX and TFLite artifacts; None for other formats (OpenVINO's keeps no twin)."""
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
    else:
        return None
    log(f"profiling the INT8 error layer by layer against {converted.name}")
    try:
        return run_profile()
    except Exception as e:  # noqa: BLE001 (a diagnosis must not hide the failure it explains)
        log(f"warning: the INT8 error profile failed ({type(e).__name__}: {e}); the failure above stands")
        return None


def run(job: Job) -> None:
    settings = job.require("verify", dict)
    task = job.require("task", str)
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    artifact_dir = job.path("artifactPath")
    meta = read_meta(artifact_dir)
    samples = samples_for(job, "verification", int(settings["samples"]), seed=1000 + int(settings["seed"]))

    log(f"verifying {job.require('variant', str)} ({meta['artifact']}, {job.require('executor', str)}) on {samples.count} samples")
    reference = TensorFlowRunner(model_dir / model["savedModel"])
    variant = load_runtime(job.require("executor", str)).load(artifact_dir, meta)
    refs: dict[str, list[np.ndarray]] = {}
    gots: dict[str, list[np.ndarray]] = {}
    watch = Stopwatch()
    first_batches: list[dict[str, np.ndarray]] = []
    for index, (batch, real) in enumerate(samples.batches(job.batch_size)):
        if index * job.batch_size < PROFILE_SAMPLES:
            first_batches.append(batch)
        ref = reference.run(batch)
        got = variant.run(batch)
        for name in ref:
            refs.setdefault(name, []).append(ref[name][:real])
            if name in got:
                gots.setdefault(name, []).append(np.asarray(got[name])[:real])
    ref_all = {k: np.concatenate(v) for k, v in refs.items()}
    got_all = {k: np.concatenate(v) for k, v in gots.items()}
    outputs = compare_outputs(ref_all, got_all, task)
    tolerance = tolerance_for(job)
    diagnoses = diagnose(job, outputs, ref_all, got_all, tolerance, task)
    accuracy = None
    if task == "classification" and samples.labels is not None:
        first = sorted(refs)[0]
        accuracy = metrics.accuracy_delta(
            np.concatenate(refs[first]), np.concatenate(gots[first]), samples.labels
        )
    result = {
        "variant": job.require("variant", str),
        "platform": job.require("platform", str),
        "runtime": job.require("runtime", str),
        "precision": job.precision,
        "task": task,
        "samples": samples.count,
        "inputOrigin": samples.origin,
        "trained": job.require("trained", bool),
        "executedWith": getattr(variant, "description", job.require("executor", str)),
        "outputs": outputs,
        "accuracy": accuracy,
        "tolerance": tolerance,
        "seconds": watch.seconds,
    }
    failures = metrics.check(result, tolerance, task) + [d["message"] for d in diagnoses.values()]
    model_file = getattr(variant, "model_path", None) or artifact_dir / meta["artifact"]
    if failures and not diagnoses and (profile := int8_profile(job, Path(model_file), first_batches)):
        result["int8ErrorProfile"] = profile.as_json()
        failures.append(int8_error_profile.message(profile, platform_key(job)))
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
    if accuracy:
        log(f"top-1 accuracy on {accuracy['samples']} labelled samples: TensorFlow {accuracy['reference']:.4f}, variant {accuracy['variant']:.4f} ({accuracy['deltaPoints']:+.2f} points)")
    log("verified: within tolerance")
