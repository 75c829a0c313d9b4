"""What the requantizers whose layers are those of a float model share (onnx_qdq's and tflite's): the quantized
model is made from a float one, and a layer's multiply-accumulates, the outputs it writes and how the user knows it
are read off that float model, each by the family's own function of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable


class FloatModelRequantizer:
    """mixed_precision.Requantizer's macs, output_layers and describe, from `float_model` by the family's functions:
    `macs` (key -> multiply-accumulates per sample), `outputs` (output name -> the key of the layer that writes it),
    `layers` (key -> the layer as the user knows it and its op type) and `label` (a key the float model lacks, as
    the user knows it). A family adds write and profile."""

    def __init__(
        self,
        float_model: Path,
        *,
        macs: Callable[[Path], dict[str, int]],
        outputs: Callable[[Path], dict[str, str]],
        layers: Callable[[Path], dict[str, tuple[str, str]]],
        label: Callable[[str], str] = str,
    ) -> None:
        self.float_model = float_model
        self._read_macs, self._read_outputs, self._read_layers, self._label = macs, outputs, layers, label
        self._outputs: dict[str, str] | None = None
        self._layers: dict[str, tuple[str, str]] | None = None

    def macs(self) -> dict[str, int]:
        return self._read_macs(self.float_model)

    def output_layers(self) -> dict[str, str]:
        if self._outputs is None:
            self._outputs = self._read_outputs(self.float_model)
        return dict(self._outputs)

    def describe(self, key: str) -> dict:
        if self._layers is None:
            self._layers = self._read_layers(self.float_model)
        node, op = self._layers.get(key, (self._label(key), None))
        return {"node": node, "op": op}

    def adopted(self, out_dir: Path) -> dict:
        return {}
