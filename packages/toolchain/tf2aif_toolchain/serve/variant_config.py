"""A variant.json dict from a built artifact and its model's signature: the one writer of variant.json.

The caller says which artifact is deployed and which runtime module runs it (the plugin decides both, in
plugins/nx/src/settings/step-settings.ts); nothing here guesses them from dist/ or from the artifact's format.
"""

from __future__ import annotations

from pathlib import Path

from ..artifact import read_meta, read_model_meta
from ..data import kind_range
from ..errors import ToolchainError
from .config import SERVING_FIELDS  # written into variant.json as they come (the plugin resolved them)


def deployed_inputs(inputs: list[dict], fixed: dict[str, list[int]]) -> list[dict]:
    """The signature's inputs as the artifact takes them: an input the artifact fixed (a DPU's static shapes) has
    that shape, any batch, and no shape range."""
    result = []
    for spec in inputs:
        if spec["name"] in fixed:
            spec = {k: v for k, v in spec.items() if k != "shapeRange"} | {"shape": [None, *fixed[spec["name"]][1:]]}
        result.append(spec)
    return result


def with_ranges(inputs: list[dict], declared: dict[str, list], value_ranges: dict[str, list]) -> list[dict]:
    """Each input with the valid range of its random request data (clients and bench read it from the server's
    metadata): tf2aif.json's own, else the one build-model read from the graph, else valueRanges by dtype."""
    result = []
    for spec in inputs:
        if spec["name"] in declared:
            spec = spec | {"range": list(declared[spec["name"]]), "rangeSource": "tf2aif.json"}
        elif not spec.get("range") and spec.get("dtype") != "bool":
            spec = spec | {"range": list(kind_range(spec["dtype"], value_ranges)), "rangeSource": "valueRanges"}
        result.append(spec)
    return result


def variant_config(
    artifact_dir: Path,
    model_dir: Path,
    *,
    variant: str,
    model: str,
    executor: str,
    serving: dict,
    value_ranges: dict[str, list],
    input_ranges: dict[str, list],
    fixed_batch: bool | None = None,
    artifact_ref: str | None = None,
    processing: str | None = None,
) -> dict:
    """<artifact_dir>/artifact.json + <model_dir>/model.json -> a variant.json dict.

    `serving`: tf2aif.json's serving settings (mode, port, queue and body limits); `value_ranges`, `input_ranges`:
    its valueRanges and its inputs' own ranges by name. `artifact_ref`: the artifactDir written into variant.json
    (default: artifact_dir, absolute), e.g. "artifact" where an image copies the artifact next to variant.json.
    """
    missing = [k for k in SERVING_FIELDS if k not in serving]
    if missing:
        raise ToolchainError(f"serving settings lack {missing}: the plugin resolves every one (tf2aif.json serving)")
    if not (artifact_dir / "artifact.json").is_file():
        raise ToolchainError(f"{artifact_dir} holds no artifact.json: build the variant's artifact first (its convert, quantize or compile step)")
    meta = read_meta(artifact_dir)
    signature = read_model_meta(model_dir)
    fmt = str(meta.get("format", ""))
    return {
        "name": variant,
        "model": model,
        "version": "1",
        "platform": meta["platform"],
        "runtime": meta["runtime"],
        "executor": executor,
        "precision": meta["precision"],
        "batchSize": int(meta["batchSize"]),
        # tf2onnx exports fix the batch dimension (converters/onnx.py), as does a TFLite model converted through
        # its static signature (recurrent layers); the others take any batch
        "fixedBatch": (fmt.startswith("onnx") or "staticBatch" in meta) if fixed_batch is None else fixed_batch,
        **{k: serving[k] for k in SERVING_FIELDS},
        "inputs": with_ranges(deployed_inputs(signature["inputs"], meta.get("fixedShapes") or {}), input_ranges, value_ranges),
        "outputs": signature["outputs"],
        "artifactDir": artifact_ref if artifact_ref is not None else str(artifact_dir.resolve()),
        "processing": processing,
    }
