"""The variant's quantize step (its runtime's quantizer, checked and made mixed precision where INT8 misses the
tolerance) and the model-level calibrate step (a quantizer's calibration shared by every variant)."""

from __future__ import annotations

from ..adapters import load_quantizer
from ..artifact import CALIBRATION_META, read_meta, read_model_meta, write_meta
from ..data import samples_for
from ..errors import ToolchainError
from ..job import Job
from ..jsonio import write_json
from ..progress import Stopwatch, log
from . import mixed_precision
from .convert import common_meta, convert_source


def quantize(job: Job) -> None:
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    converted = read_meta(job.path("convertPath"))
    # a convert step that fell back to another runtime hands the quantize step that runtime's quantizer
    quantizer_name = job.runtime_entry(converted["runtime"])["quantizer"]
    quantizer = load_quantizer(quantizer_name)
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]))
    log(f"quantizing {job.require('variant', str)} to {job.precision} with {quantizer_name} on {samples.count} samples ({samples.origin})")
    watch = Stopwatch()
    source = convert_source(model_dir, model)
    meta = quantizer.quantize(job, source, job.path("convertPath"), samples, job.out_dir)
    # INT8 checked against the float model; layers kept float where full INT8 misses the tolerance
    meta = mixed_precision.ensure(job, quantizer, meta, source, job.path("convertPath"), samples, job.out_dir)
    meta = write_meta(
        job.out_dir,
        {
            **common_meta(job),
            **meta,
            "runtime": converted["runtime"],
            **({"fallback": converted["fallback"]} if "fallback" in converted else {}),
            "converter": converted.get("converter"),
            "quantizer": quantizer_name,
            "calibration": {"samples": samples.count, "origin": samples.origin},
            "seconds": watch.seconds,
            "convertSeconds": converted.get("seconds"),
        },
    )
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


def calibrate(job: Job) -> None:
    """A model-level shared step: a quantizer's calibration that does not depend on the variant (its batch size), once
    for every variant that quantizes with it (the quantizer's calibrate_shared); each variant's quantize links it."""
    name = job.require("quantizer", str)
    quantizer = load_quantizer(name)
    if not hasattr(quantizer, "calibrate_shared"):
        raise ToolchainError(f"quantizer {name} has no shared calibration (calibrate_shared): the plugin's shared-exports.ts and the module disagree")
    model_dir = job.path("modelPath")
    calibration = job.require("calibration", dict)
    samples = samples_for(job, "calibration", int(calibration["samples"]))
    watch = Stopwatch()
    meta = quantizer.calibrate_shared(job, convert_source(model_dir, read_model_meta(model_dir)), job.require("exports", list), samples, job.out_dir)
    write_json(
        job.out_dir / CALIBRATION_META,
        {**meta, "quantizer": name, "calibration": {"samples": samples.count, "origin": samples.origin}, "seconds": watch.seconds},
    )
    log(f"calibrated once in {watch.seconds:.1f}s")
