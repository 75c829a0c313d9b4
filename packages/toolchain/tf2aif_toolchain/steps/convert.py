"""The model-level export step (a converter's output, once per batch size) and each variant's convert step (the
export it takes, or its platform's fallback runtime's where the converter refused an op); the metadata the
artifact steps share."""

from __future__ import annotations

import shutil

from ..adapters import load_converter
from ..artifact import META_FILE, link_tree, read_meta, read_model_meta, write_meta
from ..errors import ToolchainError, UnsupportedOps
from ..job import Job
from ..jsonio import write_json
from ..progress import Stopwatch, log


def shape_profiles(job: Job) -> dict:
    """Inputs with unknown dimensions: their min/opt/max shapes at the variant's batch size, as TensorRT's
    optimization profiles take them (the artifact keeps those dimensions dynamic)."""
    profiles = {
        spec.name: {which: [job.batch_size, *spec.shape_range[which]] for which in ("min", "opt", "max")}
        for spec in job.inputs
        if spec.shape_range is not None
    }
    return {"shapeProfiles": profiles} if profiles else {}


SHAPE_FIELDS = ("shapeProfiles", "fixedShapes", "fixedShapesReason")


def common_meta(job: Job) -> dict:
    return {
        "variant": job.require("variant", str),
        "platform": job.require("platform", str),
        "runtime": job.require("runtime", str),
        "precision": job.precision,
        "batchSize": job.batch_size,
        **shape_profiles(job),
    }


def convert_source(model_dir, model: dict):
    """What converters and quantizers start from: the prepared graph where build-model prepared one."""
    name = model.get("convertFrom") or model["savedModel"]
    if name != model["savedModel"]:
        log(f"converting from the prepared graph ({name}): {model.get('preparation', {})}")
    return model_dir / name


def _clear(folder) -> None:
    """What a failed converter left behind."""
    for entry in folder.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def export(job: Job) -> None:
    """A model-level shared step: one converter's output at one batch size, for every variant that starts from it.
    A converter that cannot express an op of the model is an answer, not a failure: the refusal is recorded (and
    cached), and each variant's convert step then takes its platform's fallback runtime's export."""
    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    name = job.require("converter", str)
    converter = load_converter(name)
    source = model_dir / model["savedModel"] if getattr(converter, "STARTS_FROM_ORIGINAL", False) else convert_source(model_dir, model)
    watch = Stopwatch()
    base = {"converter": name, "batchSize": job.batch_size, **shape_profiles(job), "convertedFrom": source.name}
    stand_in_for = job.optional("onlyIfRefused")
    if stand_in_for and not any("refused" in read_meta(job.workspace / path) for path in stand_in_for):
        # only a fallback runtime starts from this export, and every export it stands in for converted the model
        write_json(
            job.out_dir / META_FILE, {**base, "skipped": f"not needed: {', '.join(stand_in_for)} converted the model", "seconds": watch.seconds}
        )
        log(f"{name}: not needed (only a fallback runtime starts from it, and {', '.join(stand_in_for)} converted the model)")
        return
    log(f"exporting {job.require('model', str)} with {name} (batch {job.batch_size})")
    try:
        meta = converter.convert(job, source, job.out_dir)
    except UnsupportedOps as e:
        _clear(job.out_dir)
        write_json(job.out_dir / META_FILE, {**base, "refused": {"reason": str(e), "ops": e.ops}, "seconds": watch.seconds})
        log(f"{e} (recorded: the variants that start from this export take their platform's fallback runtime)")
        return
    meta = write_meta(job.out_dir, {"precision": "fp32", **meta, **base, "seconds": watch.seconds})
    log(f"wrote {meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) in {meta['seconds']:.1f}s")


# what a variant's convert step takes from the export besides the artifact's description
_EXPORT_ONLY = ("sizeBytes", "python", "batchSize", "shapeProfiles")


def convert(job: Job) -> None:
    """The variant's model: the runtime's converter's export, or where that converter refused an op of the model, the
    first fallback runtime's (the platform descriptor's order). The artifact is linked from the model-level export,
    not copied; the artifact.json is the variant's own (runtime, fallback, batch)."""
    candidates = [{"runtime": job.require("runtime", str), "converter": job.require("converter", str)}, *job.fallbacks]
    paths = {e["runtime"]: e["path"] for e in job.require("exports", list)}
    refused: list[tuple[dict, dict]] = []
    for candidate in candidates:
        export_dir = job.workspace / paths[candidate["runtime"]]
        exported = read_meta(export_dir)
        if "skipped" in exported:
            raise ToolchainError(
                f"{paths[candidate['runtime']]} was not converted ({exported['skipped']}), "
                f"yet {refused[-1][0]['runtime'] if refused else 'the runtime'} refused: run the model's exports again"
            )
        if "refused" not in exported:
            break
        refused.append((candidate, exported["refused"]))
    else:
        first = refused[0][1]
        tried = "; ".join(f"{c['runtime']}: {', '.join(r['ops'])}" for c, r in refused[1:])
        raise UnsupportedOps(f"{job.subject}: {first['reason']}" + (f" (fallback runtimes could not either: {tried})" if tried else ""), first["ops"])
    if refused:
        log(f"{refused[0][1]['reason']}; falling back to runtime {candidate['runtime']} (the platform descriptor's fallback)")
    link_tree(export_dir / exported["artifact"], job.out_dir / exported["artifact"])
    fallback = None
    if refused:
        # what serving the artifact needs (compose, serve and bench read it from here): the fallback runtime's
        fallback = {
            "from": candidates[0]["runtime"],
            "ops": refused[0][1]["ops"],
            "reason": refused[0][1]["reason"],
            "executor": candidate["serveExecutor"],
            "requirements": candidate["requirements"],
        }
    meta = write_meta(
        job.out_dir,
        {
            **common_meta(job),
            **{k: v for k, v in exported.items() if k not in _EXPORT_ONLY},
            "runtime": candidate["runtime"],
            "converter": candidate["converter"],
            "exportedAt": paths[candidate["runtime"]],  # the shared export the artifact links to
            **({"fallback": fallback} if fallback else {}),
        },
    )
    log(
        f"{meta['artifact']} ({meta['sizeBytes'] / 1e6:.2f} MB) from the shared export {paths[candidate['runtime']]}, "
        f"converted in {meta['seconds']:.1f}s"
    )
