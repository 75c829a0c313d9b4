"""reference: the TensorFlow original's outputs on verify's samples, computed once per model for every variant.

Each variant's verify used to load the SavedModel and run it on the same samples again. The model-level `reference`
step runs it once per set of shape points a variant can be verified at (every point of the inputs' shape ranges, and
the opt shape alone for an artifact that fixed them) and stores the outputs with a digest of the inputs they came
from. verify draws its samples as before and takes the stored outputs only where the digest matches (a loader whose
data changed from one run to the next gets the original run again, never another draw's outputs).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from ..artifact import read_model_meta
from ..data import Samples, sample_groups_for, shape_points
from ..errors import ToolchainError
from ..job import Job
from ..jsonio import read_json, write_json
from ..progress import Stopwatch, log

META_FILE = "reference.json"
# the original runs one sample at a time: any SavedModel signature takes a batch of one, and its outputs do not
# depend on the variant's batch size
BATCH = 1


def verification_groups(job: Job, points: list[str]) -> list[Samples]:
    """The samples verify compares on, one group per input shape point."""
    settings = job.require("verify", dict)
    return sample_groups_for(job, "verification", int(settings["samples"]), points)


def digest(groups: list[Samples]) -> str:
    """The inputs, by content: which draw a stored reference belongs to."""
    h = hashlib.sha256()
    for group in groups:
        for name in sorted(group.arrays):
            a = np.ascontiguousarray(group.arrays[name])
            h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
            h.update(a.tobytes())
    return h.hexdigest()


def point_sets(job: Job) -> list[list[str]]:
    """The shape points verify can run at: all the inputs' distinct points, and opt alone (an artifact that fixed
    every dynamic dimension is verified there only)."""
    full = shape_points(job.inputs)
    return [full] if full == ["opt"] else [full, ["opt"]]


def run_original(runner, groups: list[Samples]) -> list[dict[str, np.ndarray]]:
    """The original's outputs per group, one array per output name."""
    outputs = []
    for group in groups:
        parts: dict[str, list[np.ndarray]] = {}
        for batch, real in group.batches(BATCH):
            for name, value in runner.run(batch).items():
                parts.setdefault(name, []).append(np.asarray(value)[:real])
        outputs.append({name: np.concatenate(p) for name, p in parts.items()})
    return outputs


def _file_for(points: list[str]) -> str:
    return f"outputs-{'-'.join(points)}.npz"


def run(job: Job) -> None:
    from ..runtimes.tensorflow import TensorFlowRunner  # noqa: PLC0415 (TensorFlow only where the original runs)

    model_dir = job.path("modelPath")
    model = read_model_meta(model_dir)
    watch = Stopwatch()
    runner = TensorFlowRunner(model_dir / model["savedModel"])
    entries = []
    for points in point_sets(job):
        groups = verification_groups(job, points)
        log(f"running the TensorFlow original of {job.require('model', str)} on {sum(g.count for g in groups)} verify samples at {', '.join(points)}")
        outputs = run_original(runner, groups)
        file = _file_for(points)
        arrays = {f"{g}/{name}": a for g, out in enumerate(outputs) for name, a in out.items()}
        with open(job.out_dir / file, "wb") as f:
            np.savez(f, **arrays)
        entries.append({"points": points, "file": file, "inputs": digest(groups), "groups": len(groups)})
    settings = job.require("verify", dict)
    write_json(job.out_dir / META_FILE, {"samples": settings["samples"], "seed": settings["seed"], "entries": entries, "seconds": watch.seconds})
    log(f"stored the original's outputs for {len(entries)} draw(s) in {watch.seconds:.1f}s")


def stored_outputs(reference_dir: Path | None, points: list[str], groups: list[Samples]) -> list[dict[str, np.ndarray]] | None:
    """The stored outputs of the original for exactly these samples; None where there are none (no reference step,
    another draw, a loader that yields other data now)."""
    if reference_dir is None or not (reference_dir / META_FILE).is_file():
        return None
    entry = next((e for e in read_json(reference_dir / META_FILE)["entries"] if e["points"] == points), None)
    if entry is None or entry["groups"] != len(groups) or entry["inputs"] != digest(groups):
        return None
    try:
        with np.load(reference_dir / entry["file"]) as stored:
            outputs: list[dict[str, np.ndarray]] = [{} for _ in groups]
            for key in stored.files:
                g, name = key.split("/", 1)
                outputs[int(g)][name] = stored[key]
    except (OSError, ValueError) as e:
        raise ToolchainError(f"{reference_dir / entry['file']} cannot be read ({e}): run the model's reference step again") from e
    return outputs
