"""A variant.json dict from what the build left in dist/ (used by the `serve` Nx target)."""
from __future__ import annotations

from pathlib import Path

from ..artifact import read_meta, read_model_meta
from ..errors import ToolchainError

# the runtime adapter that loads each artifact format, when the caller does not name one
EXECUTOR_BY_FORMAT = {
    "tflite": "tflite",
    "onnx": "onnxruntime",
    "onnx-qdq": "onnxruntime",
    "openvino-ir": "openvino",
    "savedmodel": "tensorflow",
}


def _artifact_dir(variant_dir: Path, stage: str | None) -> Path:
    """The deployed artifact: the quantized one where the variant has it, else the converted one."""
    stages = [stage] if stage else ["quantize", "convert"]
    for name in stages:
        if (variant_dir / name / "convert.json").is_file():
            return variant_dir / name
    raise ToolchainError(
        f"{variant_dir} holds no {' or '.join(s + '/convert.json' for s in stages)}: "
        f"build the variant first (nx run {variant_dir.name}:{stages[-1]})"
    )


def variant_config_from_dist(
    workspace: Path,
    variant: str,
    model: str,
    *,
    stage: str | None = None,
    executor: str | None = None,
    mode: str = "LAT",
    fixed_batch: bool | None = None,
    **overrides,
) -> dict:
    """dist/variants/<variant>/{quantize|convert} + dist/models/<model>/model.json -> a variant.json dict.

    The artifact path is absolute, so the dict can be written anywhere. `overrides` replace fields as named in
    variant.json (e.g. maxQueueDelayMs=2, processing="hooks.py").
    """
    dist = Path(workspace) / "dist"
    artifact_dir = _artifact_dir(dist / "variants" / variant, stage)
    meta = read_meta(artifact_dir)
    signature = read_model_meta(dist / "models" / model)
    fmt = str(meta.get("format", ""))
    executor = executor or EXECUTOR_BY_FORMAT.get(fmt)
    if executor is None:
        raise ToolchainError(f"{artifact_dir}: no runtime adapter known for format {fmt!r}; pass executor=<runtimes module>")
    return {
        "name": variant,
        "model": model,
        "version": "1",
        "platform": meta["platform"],
        "runtime": meta["runtime"],
        "executor": executor,
        "precision": meta.get("precision", "fp32"),
        "batchSize": int(meta.get("batchSize", 1)),
        # tf2onnx exports fix the batch dimension (converters/onnx.py), as does a TFLite model converted through
        # its static signature (recurrent layers); the others take any batch
        "fixedBatch": (fmt.startswith("onnx") or "staticBatch" in meta) if fixed_batch is None else fixed_batch,
        "mode": mode,
        "inputs": signature["inputs"],
        "outputs": signature["outputs"],
        "artifactDir": str(artifact_dir.resolve()),
        **overrides,
    }
