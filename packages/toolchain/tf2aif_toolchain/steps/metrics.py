"""Verification math: how far a variant's outputs are from the TensorFlow original's. Pure numpy."""

from __future__ import annotations

import numpy as np

_TINY = 1e-12


def error_stats(ref: np.ndarray, got: np.ndarray) -> dict[str, float]:
    """Max/mean absolute error, max error relative to the reference's range, and per-sample cosine similarity."""
    if ref.shape != got.shape:
        raise ValueError(f"output shapes differ: reference {ref.shape}, variant {got.shape}")
    r = ref.astype(np.float64).reshape(len(ref), -1)
    g = got.astype(np.float64).reshape(len(got), -1)
    return _summary(np.abs(g - r), float(np.abs(r).max(initial=0.0)), cosine_per_sample(r, g))


def _summary(diff: np.ndarray, scale: float, cos: np.ndarray) -> dict[str, float]:
    """The error figures from the absolute differences, the reference's largest magnitude and per-sample cosines."""
    return {
        "maxAbsError": float(diff.max(initial=0.0)),
        "meanAbsError": float(diff.mean()) if diff.size else 0.0,
        "maxRelError": float(diff.max(initial=0.0) / max(scale, _TINY)),
        "minCosine": float(cos.min(initial=1.0)),
        "meanCosine": float(cos.mean()) if cos.size else 1.0,
    }


def grouped_error_stats(refs: list[np.ndarray], gots: list[np.ndarray]) -> dict[str, float]:
    """error_stats over groups of samples whose shapes differ (an input with unknown dimensions verified at
    several sizes): the same figures as over one group, each sample and element counted once."""
    if len(refs) == 1:
        return error_stats(refs[0], gots[0])
    for r, g in zip(refs, gots):
        if r.shape != g.shape:
            raise ValueError(f"output shapes differ: reference {r.shape}, variant {g.shape}")
    diff = np.concatenate([np.abs(g.astype(np.float64) - r.astype(np.float64)).ravel() for r, g in zip(refs, gots)])
    scale = max(float(np.abs(r).max(initial=0.0)) for r in refs)
    cos = np.concatenate([cosine_per_sample(r.reshape(len(r), -1), g.reshape(len(g), -1)) for r, g in zip(refs, gots)])
    return _summary(diff, scale, cos)


def per_sample_mean(fn, refs: list[np.ndarray], gots: list[np.ndarray]) -> float:
    """A per-sample agreement (top-1, IoU) averaged over groups of different shapes, weighted by their samples."""
    counts = [len(r) for r in refs]
    return float(sum(fn(r, g) * n for r, g, n in zip(refs, gots, counts)) / max(sum(counts), 1))


def cosine_per_sample(r: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Cosine similarity per row, scale-free: tiny outputs compare as well as large ones (float64 norms)."""
    r = r.astype(np.float64)
    g = g.astype(np.float64)
    nr = np.linalg.norm(r, axis=1)
    ng = np.linalg.norm(g, axis=1)
    dot = np.einsum("ij,ij->i", r, g)
    denom = nr * ng
    safe = np.where(denom > 0, denom, 1.0)
    # both all-zero: identical; one all-zero: nothing in common
    return np.where(denom > 0, np.clip(dot / safe, -1.0, 1.0), np.where((nr == 0) & (ng == 0), 1.0, 0.0))


def top1_agreement(ref: np.ndarray, got: np.ndarray) -> float:
    """Share of samples whose arg-max class is the same (classification outputs, classes on the last axis)."""
    a = ref.reshape(len(ref), -1, ref.shape[-1]).argmax(-1)
    b = got.reshape(len(got), -1, got.shape[-1]).argmax(-1)
    return float((a == b).all(axis=1).mean())


def masks(output: np.ndarray) -> np.ndarray:
    """Class per pixel: arg-max over channels, or a 0.5 threshold for a single-channel output."""
    if output.shape[-1] == 1:
        return (output[..., 0] > 0.5).astype(np.int64)
    return output.argmax(-1)


def mean_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Mean IoU over the classes present in either mask (1.0 when both are empty)."""
    ious = []
    for c in np.union1d(np.unique(a), np.unique(b)):
        inter = np.logical_and(a == c, b == c).sum()
        union = np.logical_or(a == c, b == c).sum()
        ious.append(inter / union)
    return float(np.mean(ious)) if ious else 1.0


def iou_agreement(ref: np.ndarray, got: np.ndarray) -> float:
    """Mean over samples of the IoU between the reference's and the variant's segmentation masks."""
    ma, mb = masks(ref), masks(got)
    return float(np.mean([mean_iou(x, y) for x, y in zip(ma, mb)]))


def accuracy_delta(ref: np.ndarray, got: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Top-1 accuracy of the original and of the variant against true labels, and the change in points."""
    truth = labels.reshape(len(labels), -1)[:, 0] if labels.ndim > 1 else labels
    ref_acc = float((ref.reshape(len(ref), -1).argmax(-1) == truth).mean())
    got_acc = float((got.reshape(len(got), -1).argmax(-1) == truth).mean())
    return {"samples": int(len(truth)), "reference": ref_acc, "variant": got_acc, "deltaPoints": round((got_acc - ref_acc) * 100, 4)}


def output_failures(name: str, out: dict, tolerance: dict[str, float], task: str) -> list[str]:
    """Every way one output's figures miss the tolerance, as sentences with the numbers."""
    failures: list[str] = []
    if "minCosine" in tolerance and out["minCosine"] < tolerance["minCosine"]:
        failures.append(f"output {name}: min cosine similarity {out['minCosine']:.6f} < {tolerance['minCosine']}")
    if "maxAbsError" in tolerance and out["maxAbsError"] > tolerance["maxAbsError"]:
        failures.append(f"output {name}: max abs error {out['maxAbsError']:.3g} > {tolerance['maxAbsError']}")
    if (
        task == "classification"
        and "top1Agreement" in out
        and "minTop1Agreement" in tolerance
        and out["top1Agreement"] < tolerance["minTop1Agreement"]
    ):
        failures.append(f"output {name}: top-1 agreement {out['top1Agreement']:.4f} < {tolerance['minTop1Agreement']}")
    if task == "segmentation" and "iouAgreement" in out and "minIouAgreement" in tolerance and out["iouAgreement"] < tolerance["minIouAgreement"]:
        failures.append(f"output {name}: mean IoU agreement {out['iouAgreement']:.4f} < {tolerance['minIouAgreement']}")
    return failures


def check(result: dict, tolerance: dict[str, float], task: str) -> list[str]:
    """Every way the measured figures miss the tolerance, as sentences with the numbers."""
    failures: list[str] = []
    accuracy = result.get("accuracy")
    if accuracy and "maxAccuracyDropPoints" in tolerance and -accuracy["deltaPoints"] > tolerance["maxAccuracyDropPoints"]:
        failures.append(f"top-1 accuracy dropped {-accuracy['deltaPoints']:.2f} points (> {tolerance['maxAccuracyDropPoints']})")
    detected = result.get("detectionAgreement")
    if detected is not None and "minDetectionAgreement" in tolerance and detected < tolerance["minDetectionAgreement"]:
        failures.append(
            f"detection agreement {detected:.4f} < {tolerance['minDetectionAgreement']} "
            "(reference detections the variant found, same class and IoU >= 0.5)"
        )
    for name, out in result["outputs"].items():
        failures.extend(output_failures(name, out, tolerance, task))
    return failures


# A probability output quantized to 8 bits keeps steps of about 1/256 (TFLite's INT8 softmax: exactly 1/256):
# over many classes most probabilities are smaller, so they all round to 0.
MIN_CLASSES = 10
TFLITE_SOFTMAX_STEP = 1 / 256


def looks_like_probabilities(ref: np.ndarray) -> bool:
    """Values in [0, 1] whose rows (the last axis) sum to 1, over more than a few classes: a softmax."""
    if ref.ndim < 2 or ref.shape[-1] < MIN_CLASSES or ref.size == 0:
        return False
    r = ref.astype(np.float64)
    return bool(r.min() >= -1e-6 and r.max() <= 1 + 1e-6 and np.allclose(r.sum(-1), 1.0, atol=1e-3))


def saturation(ref: np.ndarray, got: np.ndarray) -> dict | None:
    """How a softmax output collapsed in the variant (most probabilities rounded to 0, or only a few distinct
    values left), with the numbers to explain it; None when the output is not a collapsed probability vector."""
    if ref.shape != got.shape or not looks_like_probabilities(ref):
        return None
    r = ref.astype(np.float64)
    g = got.astype(np.float64)
    positive = r > 0
    zeroed = float((g[positive] == 0).mean()) if positive.any() else 0.0
    distinct = np.unique(g)
    if zeroed < 0.5 and len(distinct) > 4:
        return None
    gaps = np.diff(distinct)
    return {
        "kind": "saturatedProbabilities",
        "classes": int(r.shape[-1]),
        "typicalReference": float(np.median(r)),
        "variantStep": float(gaps.min()) if gaps.size else None,  # the smallest step the variant's output shows
        "zeroedShare": round(zeroed, 4),
        "distinctValues": int(len(distinct)),
    }
