"""Vitis AI Runtime (VART) on an AMD/Xilinx DPU: runs the compiled .xmodel (alveo, versal, zynq images).

Runs only where the Vitis AI runtime and a DPU are present (the platform's base image brings VART);
elsewhere loading fails at start-up with a message saying so. The DPU runs the quantized subgraph: its
outputs come back dequantized with each tensor's fix point, in the order of the model's signature outputs.
Ops the DPU does not run (e.g. a final Softmax left on the CPU) belong in the model's postprocess hook.
Not exercised on this machine (no DPU).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ToolchainError


def _import_vart():
    try:
        import vart  # noqa: PLC0415
        import xir  # noqa: PLC0415
    except ImportError as e:
        raise ToolchainError(
            "the Vitis AI runtime (python modules vart and xir) is not installed: this variant runs on an "
            "Alveo/Versal/Zynq board, in an image built FROM the Vitis AI runtime (the platform's base image)"
        ) from e
    return vart, xir


class VartRunner:
    def __init__(self, xmodel: Path, output_names: list[str]) -> None:
        vart, xir = _import_vart()
        graph = xir.Graph.deserialize(str(xmodel))
        dpu = [s for s in graph.get_root_subgraph().toposort_child_subgraph() if s.has_attr("device") and s.get_attr("device").upper() == "DPU"]
        if len(dpu) != 1:
            raise ToolchainError(f"{xmodel}: expected one DPU subgraph, found {len(dpu)}; recompile the model for the DPU")
        try:
            self._runner = vart.Runner.create_runner(dpu[0], "run")
        except Exception as e:  # noqa: BLE001 (VART raises RuntimeError without a DPU)
            raise ToolchainError(f"cannot open a DPU runner for {xmodel}: {e} (is the DPU loaded and visible in the container?)") from e
        self._inputs = self._runner.get_input_tensors()
        self._outputs = self._runner.get_output_tensors()
        if len(self._outputs) != len(output_names):
            raise ToolchainError(f"{xmodel}: the DPU subgraph has {len(self._outputs)} outputs, the model signature {len(output_names)}")
        self._names = output_names
        self.batch = int(self._inputs[0].dims[0])
        self.description = f"Vitis AI VART on the DPU ({dpu[0].get_attr('dpu_fingerprint') if dpu[0].has_attr('dpu_fingerprint') else 'DPU'})"

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = []
        for tensor, array in zip(self._inputs, batch.values()):
            scale = 2.0 ** tensor.get_attr("fix_point")
            feeds.append(np.ascontiguousarray(np.clip(np.round(array * scale), -128, 127).astype(np.int8)))
        results = [np.empty(tuple(t.dims), dtype=np.int8, order="C") for t in self._outputs]
        job = self._runner.execute_async(feeds, results)
        self._runner.wait(job)
        return {name: r.astype(np.float32) * (2.0 ** -t.get_attr("fix_point")) for name, r, t in zip(self._names, results, self._outputs)}


def load(artifact_dir: Path, meta: dict) -> VartRunner:
    outputs = meta.get("outputs") or ["output_0"]
    return VartRunner(artifact_dir / meta["artifact"], [o["name"] if isinstance(o, dict) else o for o in outputs])
