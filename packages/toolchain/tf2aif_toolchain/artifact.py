"""artifact.json: what an artifact folder holds and how it was made."""

from __future__ import annotations

import platform
from pathlib import Path

from .errors import ToolchainError
from .jsonio import read_json, write_json

META_FILE = "artifact.json"
# a shared calibration's description (the calibrate step, steps/quantize.py, writes it, the quantizers' variant steps read it)
CALIBRATION_META = "calibration-meta.json"


def size_bytes(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def write_meta(out_dir: Path, meta: dict) -> dict:
    artifact = out_dir / meta["artifact"]
    full = {**meta, "sizeBytes": size_bytes(artifact), "python": platform.python_version()}
    write_json(out_dir / META_FILE, full)
    return full


def link_tree(source: Path, target: Path) -> None:
    """`target` as `source`, made of symbolic links to source's files (followed to the real file, so a link never
    points at another link): a step that hands on a shared step's artifact stores no second copy, in dist or in the
    Nx cache (which keeps links as links). Folders are real, so any reader walks them. The links are absolute while
    the step writes into its scratch folder; the executor makes them relative when the output lands in dist
    (utils/atomic-output.ts), so a cached or moved workspace keeps them."""
    if source.is_dir():
        target.mkdir(parents=True, exist_ok=True)
        for entry in sorted(source.iterdir()):
            link_tree(entry, target / entry.name)
        return
    real = source.resolve()
    if not real.is_file():
        raise ToolchainError(f"{source} is missing: run the step that makes it again")
    target.symlink_to(real)


def read_meta(artifact_dir: Path) -> dict:
    file = artifact_dir / META_FILE
    if not file.is_file():
        raise ToolchainError(f"{artifact_dir} holds no {META_FILE}: run the step that makes it first")
    return read_json(file)


def converted_artifact(job, convert_dir: Path, fmt: str, described: str, inside: str | None = None) -> tuple[dict, Path]:
    """The convert step's artifact a quantizer starts from, and its meta: a clear error when the platform
    converts to another format (`described`, e.g. "an ONNX model") or the file is gone. `inside`: the file
    within a folder artifact (an OpenVINO IR's model.xml)."""
    converted = read_meta(convert_dir)
    if converted.get("format") != fmt:
        who = f"quantizer {job.optional('quantizer')}" if job.optional("quantizer") else "this quantizer"
        raise ToolchainError(
            f"{who} needs {described} from the convert step, but {convert_dir} holds a "
            f"{converted.get('format')!r} artifact; use it on a platform whose converter makes {fmt}"
        )
    path = convert_dir / converted["artifact"]
    path = path / inside if inside else path
    if not path.is_file():
        raise ToolchainError(f"{path} is missing: run the convert step of {job.require('variant', str)} again")
    return converted, path


def read_model_meta(model_dir: Path) -> dict:
    file = model_dir / "model.json"
    if not file.is_file():
        raise ToolchainError(f"{model_dir} holds no model.json: run build-model first")
    return read_json(file)
