"""Models exported with training-time behaviour left on.

Keras 3's augmentation layers (RandomFlip, RandomRotation, RandomZoom, RandomContrast, ...) default to training=True
in their call(), and `model.export()` calls the model without saying otherwise: the SavedModel keeps augmenting at
inference, its outputs change from call to call, and its random ops and seed-state updates stop converters. A
Keras model (a .keras file or a build script) is therefore exported calling `model(x, training=False)` when one
of its layers is active by default; a SavedModel whose outputs still change from call to call is refused with the fix.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np

from ..env import import_tensorflow
from ..errors import ToolchainError
from ..job import TensorSpec
from ..progress import log

RANDOM_OPS = re.compile(r"^(Stateless)?Random|RandomUniform|RandomStandardNormal|Multinomial")


def training_by_default(model) -> list[str]:
    """Names of the layers whose call() defaults to training=True (active unless told otherwise)."""
    active = []
    for layer in model._flatten_layers(include_self=False):  # noqa: SLF001 (Keras' own walk over nested layers)
        try:
            parameter = inspect.signature(layer.call).parameters.get("training")
        except (TypeError, ValueError):
            continue
        if parameter is not None and parameter.default is True:
            active.append(layer.name)
    return active


def export_for_inference(model, target: Path) -> None:
    """As model.export(), with the model called in inference mode."""
    from keras.export import ExportArchive  # noqa: PLC0415
    from keras.src.export.export_utils import get_input_signature  # noqa: PLC0415 (what model.export() uses)

    archive = ExportArchive()
    archive.track(model)

    def serve(*args):
        return model(*args, training=False)

    archive.add_endpoint("serve", serve, get_input_signature(model))
    archive.write_out(str(target), verbose=False)


def _random_layers(signature) -> list[str]:
    """The layer scopes that hold random ops, named as in the graph ('.../random_flip_1/stateless_random_...')."""
    graph_def = signature.graph.as_graph_def()
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    layers = set()
    for node in nodes:
        if RANDOM_OPS.search(node.op):
            parts = [p for p in node.name.split("/") if not p.startswith(("stateless_random", "random_uniform", "StatefulPartitionedCall"))]
            layers.add(parts[-2] if len(parts) > 1 else parts[0])
    return sorted(layers)


# float reductions spread over threads may round differently from call to call; augmentation moves outputs by
# percents (0.007 on logits of about 0.1 in the zoo's model), far above this share of the output's magnitude
NOISE = 1e-4


def _differ(a: np.ndarray, b: np.ndarray) -> bool:
    if not np.issubdtype(a.dtype, np.floating):
        return not np.array_equal(a, b)
    scale = max(float(np.abs(a).max(initial=0.0)), 1e-12)
    return float(np.abs(a.astype(np.float64) - b).max(initial=0.0)) > NOISE * scale


def check_deterministic(signature, declared: list[TensorSpec], source: str) -> None:
    """Two calls on the same input must agree: a model that augments or drops out at inference cannot be verified
    (its reference changes from call to call) and would not be what its user meant to deploy."""
    by_name = {s.name: s for s in declared}
    _, kwargs = signature.structured_input_signature
    rng = np.random.default_rng(0)
    feed = {}
    for name, spec in kwargs.items():
        shape = (1, *by_name[name].sample_shape("opt")) if name in by_name else (1, *[d or 1 for d in spec.shape[1:]])
        dtype = spec.dtype.as_numpy_dtype
        feed[name] = (
            (rng.random(shape) < 0.5) if dtype == np.bool_ else (rng.random(shape) * (1 if np.issubdtype(dtype, np.floating) else 2)).astype(dtype)
        )
    tf = import_tensorflow()
    try:
        first, second = signature(**feed), signature(**feed)
    except (tf.errors.OpError, ValueError, TypeError) as e:  # a model that cannot run on such data is checked later
        log(f"note: the determinism check could not run the model on random data ({type(e).__name__})")
        return
    changed = [k for k in first if _differ(first[k].numpy(), second[k].numpy())]
    if changed:
        layers = _random_layers(signature)
        where = f" (random ops in {', '.join(layers)})" if layers else ""
        raise ToolchainError(
            f"{source}: the model's output(s) {', '.join(sorted(changed))} change from call to call on the same input{where}: "
            "training-time layers (augmentation, dropout) stay active in this SavedModel; export it calling "
            "model(x, training=False), or give tf2aif the .keras file (it exports Keras models in inference mode)"
        )
