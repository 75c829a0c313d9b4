"""OpenVINO Runtime, CPU plugin, FP32 (the IR made by converters/openvino.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

XML = "model.xml"


def compile_cpu(model):
    """An IR path or ov.Model compiled for the CPU plugin as every tf2aif OpenVINO variant runs: f32 pinned, since
    on CPUs with bf16 units the plugin would otherwise pick bf16 for the layers INT8 does not cover."""
    import openvino as ov  # noqa: PLC0415 (heavy import, only when used)

    return ov.Core().compile_model(model, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})


class OpenVinoRunner:
    def __init__(self, model_xml: Path, outputs: list[str] | None = None) -> None:
        import openvino as ov  # noqa: PLC0415 (heavy import, only when used)

        self._compiled = compile_cpu(str(model_xml))
        self._request = self._compiled.create_infer_request()
        wanted = set(outputs or [])
        # the converter names each output after the signature; fall back to OpenVINO's own name
        self._outputs = [(port, next((n for n in port.get_names() if n in wanted), port.any_name)) for port in self._compiled.outputs]
        self.description = f"OpenVINO {ov.__version__.split('-')[0]} CPU plugin"

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        results = self._request.infer(batch)
        # results share the request's buffers: copy before the next call overwrites them
        return {name: np.array(results[port], copy=True) for port, name in self._outputs}


def load(artifact_dir: Path, meta: dict) -> OpenVinoRunner:
    artifact = artifact_dir / meta["artifact"]
    return OpenVinoRunner(artifact / XML if artifact.is_dir() else artifact, meta.get("outputs"))
