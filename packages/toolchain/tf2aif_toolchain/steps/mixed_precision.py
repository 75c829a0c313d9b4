"""Accuracy-aware mixed precision: where the full-INT8 model misses the verify tolerance, the layers that lose the
most stay in float until it holds, within a budget.

The quantize step checks every INT8 artifact it writes against the float model it was quantized from (the convert
step's artifact, run by the same runtime) on samples of the kind verify uses, drawn with another seed, and with
verify's own comparison (verify.judge: detections matched, tolerances, the saturated-softmax diagnosis): on 8, on
verify's count, then on four times that, stopping where the minimum is well clear of the tolerance. Where the check
fails and tf2aif.json allows it (`quantize.fallback: "mixed"`, the default) on a runtime that can run float layers
inside an INT8 model (the platform descriptor's `floatLayers`), it ranks the layers by the INT8 error profile
(int8_error_profile*: the SQNR each layer loses), keeps the worst in float and quantizes again: one layer (with the
readers of its output that have no multiply-accumulates), then as many again as are already float (1, 2, 4, ...),
the profile taken again on each attempt, until the check passes, the float layers would exceed `maxFloatShare` of
the model's multiply-accumulates, or `maxAttempts` attempts are spent. A layer that produces a saturated softmax
output goes first. Where nothing passes, the full-INT8 model stays and verify fails with the profile's line, as
without this module. NNCF's ignored scope, ONNX Runtime's nodes_to_exclude and TFLite's denylisted nodes are the
mechanisms; each quantizer's `requantizer()` wires one in.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..adapters import load_runtime
from ..artifact import read_meta, read_model_meta
from ..data import Samples, sample_groups_for
from ..diagnostics.int8_error_profile import ErrorProfile
from ..job import Job
from ..progress import Stopwatch, log
from . import verify

# the profile ranks layers on the check's first samples, as verify's diagnosis does
PROFILE_SAMPLES = verify.PROFILE_SAMPLES
# a candidate is looked at on growing prefixes of the check's draw: a few samples (full INT8 only), verify's count,
# then a block of verify's count more at a time up to WIDE_FACTOR times it. The minimum over verify's 32 random
# samples is a noisy figure: EfficientNetB0's mixed alveo model had 0.962 on the check's first 32 and 0.918 to 0.959
# on the next seven blocks of 32 (verify: 0.940)
QUICK_SAMPLES = 8
WIDE_FACTOR = 4
# a prefix whose min cosine is this far from the tolerance to 1 settles the check (the wider draws could only move
# the minimum down a little); below it, the check looks at more samples
CLEAR_MARGIN = 0.5
# the least share of the model's multiply-accumulates a give-back to INT8 must make to be worth an attempt (a
# quantization and a check, 2-30 s): less moves the speed by about 1% (estimated from INT8 being 2-4x faster per
# MAC than FP32, not measured per model), within bench's 5% window agreement. Of
# 64 give-backs seven zoo searches tried, 14 made none (layers without weights: activations, adds, concats) and 25
# less than this
MIN_GAIN = 0.005


@dataclass(frozen=True)
class Policy:
    mode: str  # "mixed" | "none"
    max_float_share: float  # of the model's multiply-accumulates
    max_attempts: int
    float_layers: str | None  # how the runtime runs float layers in an INT8 model (descriptor); None: it cannot

    @staticmethod
    def of(job: Job, runtime: str) -> Policy:
        settings = job.require("mixedPrecision", dict)
        return Policy(
            str(settings["fallback"]),
            float(settings["maxFloatShare"]),
            int(settings["maxAttempts"]),
            job.runtime_entry(runtime).get("floatLayers"),
        )


class Requantizer(Protocol):
    """What a quantizer offers for mixed precision: the same quantization with some layers kept float."""

    def write(self, excluded: list[str], out_dir: Path) -> dict:
        """Writes the artifact (and any file beside it the quantizer writes) into out_dir, the layers named by
        `excluded` (their keys in the error profile) left in float; returns the meta fields that change."""
        ...

    def profile(self, artifact_dir: Path, meta: dict, batches: list[dict[str, np.ndarray]]) -> ErrorProfile | None: ...

    def macs(self) -> dict[str, int]:
        """Multiply-accumulates per sample of every layer the quantizer may quantize, by key (0: none, e.g. a softmax)."""
        ...

    def output_layers(self) -> dict[str, str]:
        """Output name -> the key of the layer that produces it."""
        ...

    def describe(self, key: str) -> dict:
        """{"node": the layer as the user knows it, "op": its op type}."""
        ...

    def adopted(self, out_dir: Path) -> dict:
        """The meta fields only the adopted artifact (now in out_dir) needs, which the attempts skip to save time."""
        ...


@dataclass
class Check:
    passed: bool
    failures: list[str]
    saturated: list[str]  # outputs whose softmax collapsed
    min_cosine: float
    samples: int

    def as_json(self) -> dict:
        return {
            "passed": self.passed,
            "minCosine": round(self.min_cosine, 6),
            "samples": self.samples,
            **({"failures": self.failures} if self.failures else {}),
        }


class Checker:
    """Candidates against the float model's outputs on the check's own draw (each sample run once), looked at on
    growing prefixes until the answer is clear."""

    def __init__(self, job: Job, convert_dir: Path, converted: dict, executor: str) -> None:
        self.job = job
        self.executor = executor
        self.model = read_model_meta(job.path("modelPath"))
        settings = job.require("verify", dict)
        count = int(settings["samples"])
        # random data is drawn at will; a loader's verification split holds what the user gave (verify's count, the
        # samples verify reads too), so there the check goes no wider
        factor = WIDE_FACTOR if job.require("calibration", dict)["random"] else 1
        # verify's kind of data at the opt shape only (calibration's; a dynamic model's min and max are verify's)
        self.wide: Samples = sample_groups_for(job, "check", factor * count, ["opt"])[0]
        # nested prefixes: 8 (full INT8 only), verify's count, then a further verify's count at a time (a candidate
        # that fails on the wide draw stops at the first block that fails)
        steps = [QUICK_SAMPLES] + [count * k for k in range(1, factor + 1)]
        self.counts = sorted({min(n, self.wide.count) for n in steps})
        self.count = min(count, self.wide.count)
        self._reference = load_runtime(executor).load(convert_dir, converted)
        self._refs = _Outputs(self._reference, self.wide, job.batch_size)
        self.batches = [b for b, _ in _slice(self.wide, 0, self.count).batches(job.batch_size)]
        self.profile_batches = self.batches[: max(1, -(-PROFILE_SAMPLES // job.batch_size))]
        self.min_cosine = job.require("tolerance", dict).get("minCosine")
        # how far past the tolerance a mixed model must be (tf2aif.json quantize.margin): the search picks among many
        # candidates on these samples, so the one it picks looks better here than on verify's (NASNetMobile alveo:
        # 0.9504 on the check, 0.9442 in verify)
        self.margin = float(job.require("mixedPrecision", dict)["margin"])

    def _look(self, got: _Outputs, count: int, required: float | None) -> Check:
        samples = _slice(self.wide, 0, count)
        verdict = verify.judge(self.job, self.model, self._refs.first(count), got.first(count), [samples])
        cosines = [o["minCosine"] for o in verdict.outputs.values() if "minCosine" in o]
        low = min(cosines, default=1.0)
        failures = list(verdict.failures)
        if not failures and required is not None and low < required:
            failures.append(f"min cosine similarity {low:.6f} < {required:.4f} (the tolerance plus quantize.margin, for a mixed model)")
        return Check(not failures, failures, sorted(verdict.diagnoses), low, count)

    def __call__(self, artifact_dir: Path, meta: dict, mixed: bool = False) -> Check:
        """The candidate on growing prefixes of the check's draw (a mixed one from verify's count on, and held to
        target()): it fails as soon as a prefix fails, passes as soon as a prefix is clear, else on the widest.
        Each sample runs once: a longer prefix runs only the samples the shorter one did not."""
        got = _Outputs(load_runtime(self.executor).load(artifact_dir, meta), self.wide, self.job.batch_size)
        required = self.target() if mixed else None
        counts = [n for n in self.counts if n >= self.count] if mixed else self.counts
        for count in counts:
            check = self._look(got, count, required)
            if not check.passed or self.clear(check):
                return check
        return check

    def target(self) -> float | None:
        """The min cosine a mixed model must reach on the check's samples (quantize.margin past the tolerance)."""
        return None if self.min_cosine is None else self.min_cosine + self.margin * (1 - self.min_cosine)

    def clear(self, check: Check) -> bool:
        """A look that passes with every min cosine well clear of the tolerance (CLEAR_MARGIN of the way from it
        to 1): more samples could only move the minimum down a little."""
        return check.passed and self.min_cosine is not None and check.min_cosine >= self.min_cosine + CLEAR_MARGIN * (1 - self.min_cosine)


def _slice(samples: Samples, start: int, stop: int) -> Samples:
    if start == 0 and stop >= samples.count:
        return samples
    labels = samples.labels[start:stop] if samples.labels is not None else None
    return Samples({k: v[start:stop] for k, v in samples.arrays.items()}, samples.origin, labels)


class _Outputs:
    """A runner's outputs on the first n samples of a draw, each sample run once however the prefixes grow."""

    def __init__(self, runner, samples: Samples, batch_size: int) -> None:
        self.runner, self.samples, self.batch_size = runner, samples, batch_size
        self.done = 0
        self.parts: dict[str, list[np.ndarray]] = {}

    def first(self, n: int) -> dict[str, list[np.ndarray]]:
        if n > self.done:
            for batch, real in _slice(self.samples, self.done, n).batches(self.batch_size):
                for name, value in self.runner.run(batch).items():
                    self.parts.setdefault(name, []).append(np.asarray(value)[:real])
            self.done = n
        return {name: [np.concatenate(parts)[:n]] for name, parts in self.parts.items()}


def _share(excluded: list[str], macs: dict[str, int]) -> float:
    total = sum(macs.values())
    if total > 0:
        return sum(macs.get(k, 0) for k in excluded) / total
    return len(excluded) / max(1, len(macs))  # no layer with weights: a share of the layers


def adopt(attempt: Path, out_dir: Path) -> None:
    """The passing attempt's files replace the full-INT8 ones (each rename atomic)."""
    for entry in attempt.iterdir():
        target = out_dir / entry.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(entry, target)


def _ranked(profile: ErrorProfile, first: list[str], macs: dict[str, int]) -> list[tuple[str, ...]]:
    """Units of layers to keep float, most useful first: `first` (saturated outputs' layers), then by the profile's
    loss, each followed by the layers that read its output (a layer whose output needs a range INT8 cannot hold is
    only float once its readers take it as float too). A unit is a layer and its readers without multiply-
    accumulates (an activation, an add), which alone change nothing (InceptionV3's conv, then with its Relu, gave
    the same check twice running, EfficientNetB0's stem conv, then with its sigmoid, too); readers with MACs are
    units of their own."""
    by_key = {layer.key: layer for layer in profile.ranked}
    weighed = any(macs.values())  # else every layer counts as one (see _share)
    units: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for key in [*first, *(k for layer in profile.ranked if layer.loss_db > 0 for k in _keepable(layer, macs))]:
        readers = [r for r in (by_key[key].readers if key in by_key else ()) if r in macs]
        riders = [r for r in readers if weighed and not macs[r]]
        # a head already in an earlier unit: its riders go one by one, as any other layer
        groups = [[key, *riders]] if key not in seen else [[r] for r in riders]
        for group in [*groups, *([r] for r in readers if r not in riders)]:
            unit = tuple(k for k in dict.fromkeys(group) if k not in seen)
            if unit:
                units.append(unit)
                seen.update(unit)
    return units


def _grow(units: list[tuple[str, ...]], excluded: list[str], macs: dict[str, int], budget: float) -> list[str]:
    """`excluded` and as many layers again (at least one), whole units from `units` within the budget: a unit whose
    layer would pass it is left out with its readers (alone they would be float layers that buy nothing)."""
    grown = list(excluded)
    for unit in units:
        if len(grown) >= max(1, 2 * len(excluded)):
            break
        fresh = [key for key in unit if key not in grown]
        if fresh and _share([*grown, *fresh], macs) <= budget:
            grown.extend(fresh)
    return grown


def _keepable(loss, macs: dict[str, int]) -> list[str]:
    """The layers that keeping float undoes a loss: the layer itself, or, for an op the quantizer inserted (the
    quantize op before an INT8 layer that reads a float one), the layers that read its output."""
    return [loss.key] if loss.key in macs else [r for r in loss.readers if r in macs]


def _known_miss(excluded: list[str], missed: list[frozenset[str]]) -> bool:
    """Whether `excluded` is a float set that missed already, or part of one: fewer float layers lose, as a rule
    (layers interact, so not always), at least as much. After a give-back passed, the halving offers again the
    union of one that missed: EfficientNetV2B0's alveo search tried the same 49 layers twice, InceptionV3's gpu
    search the same 48."""
    kept = frozenset(excluded)
    return any(kept <= miss for miss in missed)


def summary(record: dict) -> str:
    """ "mixed INT8 (k layers float, x% of MACs)", as the zoo, the report and the logs say it."""
    count = len(record["floatLayers"])
    return f"mixed INT8 ({count} layer{'s' if count != 1 else ''} float, {record['floatShare'] * 100:.1f}% of MACs)"


def ensure(job: Job, quantizer, meta: dict, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict:
    """The quantizer's meta, with the accuracy check's result and, where a mixed model was needed and found, its record."""
    if job.precision != "int8":
        return meta
    converted = read_meta(convert_dir)
    runtime = converted["runtime"]
    policy = Policy.of(job, runtime)
    executor = job.runtime_entry(runtime)["executor"]
    watch = Stopwatch()
    checker = Checker(job, convert_dir, converted, executor)
    artifact_meta = {**meta, "precision": "int8", "runtime": runtime}
    full = checker(out_dir, artifact_meta)
    log(
        f"accuracy check of the full-INT8 model against {converted['artifact']} on {full.samples} samples: "
        f"{'passed' if full.passed else 'missed the tolerance'} (min cosine {full.min_cosine:.4f}, {watch.seconds:.1f}s)"
    )
    result = {**meta, "accuracyCheck": {**full.as_json(), "against": f"convert/{converted['artifact']}", "seconds": watch.seconds}}
    if full.passed:
        return result
    why_not = (
        'tf2aif.json quantize.fallback is "none"'
        if policy.mode == "none"
        else "the platform's runtime cannot run float layers in an INT8 model (its descriptor has no floatLayers)"
        if not policy.float_layers
        else None
        if hasattr(quantizer, "requantizer")
        else f"quantizer {quantizer.__name__.rsplit('.', 1)[-1]} offers no mixed precision"
    )
    if why_not:
        log(f"no mixed precision: {why_not}")
        return {**result, "mixedPrecision": {"found": False, "reason": why_not}}
    requant = quantizer.requantizer(job, saved_model, convert_dir, calibration, meta)
    if requant is None:
        why_not = f"quantizer {quantizer.__name__.rsplit('.', 1)[-1]} has no mixed precision for its {meta.get('scheme', 'scheme')} scheme"
        log(f"no mixed precision: {why_not}")
        return {**result, "mixedPrecision": {"found": False, "reason": why_not}}
    record, changed = _search(requant, checker, full, artifact_meta, policy, out_dir)
    return {**result, **changed, "mixedPrecision": record}


def _search(requant: Requantizer, checker: Checker, full: Check, meta: dict, policy: Policy, out_dir: Path) -> tuple[dict, dict]:
    """(the record, the meta fields the adopted attempt changed). Grows the float set along the profile's ranking
    (1, 2, 4, ... layers, the profile taken again on each attempt) until the check passes, then gives back to INT8
    the float layers the check does not need (the least lossy first, halves, quarters, ... then single layers; each
    give-back worth MIN_GAIN of the MACs, none that repeats or extends one that missed) in at most as many attempts
    as the growth took: layers interact (a tensor is only float once its writer and its readers are), so
    single-layer rankings alone are not enough, and the give-backs refine what the growth found rather than search
    again (seven zoo searches spent 602 s of their 1302 s on give-backs, most for 1% of the MACs or less)."""
    watch = Stopwatch()
    macs = requant.macs()
    outputs = requant.output_layers()
    first = [outputs[name] for name in full.saturated if name in outputs]
    losses: dict[str, object] = {}
    attempts: list[dict] = []
    missed: list[frozenset[str]] = []  # float sets that missed the check
    work = tempfile.TemporaryDirectory(dir=out_dir, prefix=".mixed-")

    def attempt(excluded: list[str]):
        folder = Path(work.name) / f"attempt-{len(attempts) + 1}"
        folder.mkdir()
        took = Stopwatch()
        changed = requant.write(excluded, folder)
        check = checker(folder, {**meta, **changed}, mixed=True)
        share = _share(excluded, macs)
        attempts.append({"floatLayers": len(excluded), "floatShare": round(share, 4), **check.as_json(), "seconds": took.seconds})
        if not check.passed:
            missed.append(frozenset(excluded))
        log(
            f"mixed precision attempt {len(attempts)}: {len(excluded)} layer(s) float ({share:.1%} of MACs): "
            f"min cosine {check.min_cosine:.4f}, {'passed' if check.passed else 'not yet'}"
        )
        return check, folder, changed

    try:
        passing, reason = None, f"quantize.maxAttempts ({policy.max_attempts}) attempts spent"
        excluded: list[str] = []
        current, current_meta = out_dir, meta
        while len(attempts) < policy.max_attempts:
            profile = requant.profile(current, current_meta, checker.profile_batches)
            if profile is None:
                reason = "the INT8 error profile matched no layer to the float model's"
                break
            losses.update({layer.key: layer for layer in profile.ranked if layer.key not in losses})
            ranked = _ranked(profile, first, macs)
            grown = _grow(ranked, excluded, macs, policy.max_float_share)
            if grown == excluded:
                left = [k for unit in ranked for k in unit if k not in excluded]
                reason = (
                    f"keeping another layer float would exceed quantize.maxFloatShare ({policy.max_float_share:.0%} of MACs)"
                    if left
                    else "no layer left that loses accuracy"
                )
                break
            excluded = grown
            check, folder, changed = attempt(excluded)
            if check.passed:
                passing = (list(excluded), folder, changed)
                break
            current, current_meta = folder, {**meta, **changed}
        if passing is None:
            log(f"no mixed-precision model within the budget passed ({reason}): the full-INT8 model stays, verify will say where it loses")
            return {"found": False, "reason": reason, "fullInt8": full.as_json(), "attempts": attempts, "seconds": watch.seconds}, {}
        # give back to INT8 what the check does not need, the least lossy layers first, half of them at a time,
        # then a quarter, ... down to single layers (a set grown to 64 layers is not shrunk one by one); only a
        # give-back worth a quantization (MIN_GAIN of the MACs or more) and not known to miss, in at most as many
        # attempts as the growth took
        order = sorted(passing[0], key=lambda k: getattr(losses.get(k), "loss_db", 0.0))
        chunk, start = max(1, len(order) // 2), 0
        growth, shrinks = len(attempts), 0
        while len(attempts) < policy.max_attempts and shrinks < growth and len(passing[0]) > 1 and chunk >= 1:
            if start >= len(order):
                chunk, start = chunk // 2, 0
                continue
            given = set(order[start : start + chunk])
            fewer = [k for k in passing[0] if k not in given]
            if not fewer or _share(passing[0], macs) - _share(fewer, macs) < MIN_GAIN or _known_miss(fewer, missed):
                start += chunk
                continue
            shrinks += 1
            check, folder, changed = attempt(fewer)
            if check.passed:
                passing = (fewer, folder, changed)
                order = [k for k in order if k not in given]
            else:
                start += chunk
        excluded, folder, changed = passing
        adopt(folder, out_dir)
        # a workspace's own requantizer may predate adopted(): it then writes everything in write()
        changed = {**changed, **(requant.adopted(out_dir) if hasattr(requant, "adopted") else {})}
    finally:
        work.cleanup()
    share = _share(excluded, macs)
    layers = [{**requant.describe(key), "key": key} for key in excluded]
    record = {
        "found": True,
        "floatLayers": layers,
        "floatShare": round(share, 4),
        "shareOf": "multiply-accumulates",
        "targetMinCosine": checker.target(),
        "fullInt8": full.as_json(),
        "attempts": attempts,
        "runsFloatLayers": policy.float_layers,
        "seconds": watch.seconds,
    }
    log(f"{summary(record)}: {', '.join(layer['node'] for layer in layers)}")
    return {**record, "summary": summary(record)}, changed
