"""Graph preparation, once per model (in build-model), before any converter sees it.

Two things in models as people export them stop converters though they change nothing at inference:
- Keras augmentation layers (RandomFlip, RandomRotation, RandomZoom, ...) kept in the model: with training off
  they pass the image through, yet their random ops, the transform they would apply and the assignment of their
  seed-state variable stay in the graph (TFLite: no builtin for StatelessRandomUniformV2 or
  ImageProjectiveTransformV3; tf2onnx: the seed variable's assignment breaks its graph import).
- A mixed_float16 policy: float16 Conv2D/MatMul/BiasAdd, which TFLite's builtins do not run and which make an
  invalid QDQ model in ONNX Runtime's quantizer.

The serving signature is frozen (variables become constants), every node the outputs do not depend on is left out
(the seed-state assignments with it), and float16 compute becomes float32. The prepared signature is saved as a
SavedModel of its own beside the original; converters start from it, while verify compares every variant against
the original. A model that needs none of this is left as it is (no prepared copy): its conversions do not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..env import import_tensorflow
from ..progress import log
from .inference_mode import RANDOM_OPS
from .static_signature import _allow_inlining, _rename_functions

PREPARED_DIR = "prepared_model"
HALF, FLOAT = 19, 1  # DataType enum values (types.proto): DT_HALF, DT_FLOAT
# state updates left in a serving graph (a seed generator's): freezing turns their variables into constants
STATE_UPDATES = ("AssignVariableOp", "AssignAddVariableOp", "AssignSubVariableOp")


@dataclass
class Preparation:
    """What preparation did to a model, for model.json (and from there artifact.json and the report)."""

    removed_ops: dict[str, int] = field(default_factory=dict)  # op type -> nodes left out (not on any output's path)
    float16_nodes: int = 0  # nodes whose float16 compute became float32

    @property
    def changed(self) -> bool:
        return bool(self.removed_ops or self.float16_nodes)

    def as_json(self) -> dict:
        return {"removedOps": dict(sorted(self.removed_ops.items())), "float16NodesToFloat32": self.float16_nodes}

    def summary(self) -> str:
        parts = []
        if self.removed_ops:
            count = sum(self.removed_ops.values())
            parts.append(f"left out {count} node(s) no output depends on ({', '.join(sorted(self.removed_ops))})")
        if self.float16_nodes:
            parts.append(f"turned float16 compute into float32 in {self.float16_nodes} node(s) (mixed precision policy)")
        return "; ".join(parts)


def _all_nodes(graph_def):
    return list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]


def _prune(graph_def, outputs: list[str]):
    """Only the nodes an output depends on. Function bodies are kept whole (a call is one node here)."""
    tf = import_tensorflow()
    keep = sorted({ref.split(":")[0] for ref in outputs})
    return tf.compat.v1.graph_util.extract_sub_graph(graph_def, keep)


def _removed(before, after) -> dict[str, int]:
    kept = {n.name for n in after.node}
    counts: dict[str, int] = {}
    for node in before.node:
        if node.name not in kept and node.op not in ("NoOp",):
            counts[node.op] = counts.get(node.op, 0) + 1
    return counts


def _half_to_float(graph_def) -> int:
    """Every float16 type attribute becomes float32 and every float16 constant is widened: the graph computes
    in float32 what the policy computed in float16 (its casts become float32 to float32)."""
    tf = import_tensorflow()
    changed = 0
    for node in _all_nodes(graph_def):
        touched = False
        for value in node.attr.values():
            if value.type == HALF:
                value.type = FLOAT
                touched = True
            if value.HasField("list") and HALF in value.list.type:
                value.list.type[:] = [FLOAT if t == HALF else t for t in value.list.type]
                touched = True
            if value.HasField("tensor") and value.tensor.dtype == HALF:
                value.tensor.CopyFrom(tf.make_tensor_proto(tf.make_ndarray(value.tensor).astype(np.float32)))
                touched = True
        changed += touched
    for function in graph_def.library.function:
        for arg in list(function.signature.input_arg) + list(function.signature.output_arg):
            if arg.type == HALF:
                arg.type = FLOAT
    return changed


def _uses_half(graph_def) -> bool:
    return any(
        value.type == HALF or (value.HasField("list") and HALF in value.list.type) for node in _all_nodes(graph_def) for value in node.attr.values()
    )


def analyse(frozen):
    """(the prepared GraphDef, the frozen signature, what changed); `frozen` is left as it is."""
    outputs = list(frozen.output_tensors.values())
    pruned = _prune(frozen.graph_def, outputs)
    preparation = Preparation(removed_ops=_removed(frozen.graph_def, pruned))
    if _uses_half(pruned):
        preparation.float16_nodes = _half_to_float(pruned)
    return pruned, frozen, preparation


def _save(graph_def, frozen, target: Path) -> None:
    """The prepared graph as a SavedModel with the original signature's names, shapes and dtypes."""
    tf = import_tensorflow()
    _rename_functions(graph_def, "_tf2aif_prepared")
    _allow_inlining(graph_def)
    names = list(frozen.inputs)
    specs = [tf.TensorSpec(frozen.inputs[n].shape, frozen.inputs[n].dtype, name=n) for n in names]
    outputs = frozen.output_tensors

    @tf.function(input_signature=specs)
    def serving(*args):
        feed = {frozen.input_tensors[n]: a for n, a in zip(names, args)}
        results = tf.graph_util.import_graph_def(graph_def, input_map=feed, return_elements=list(outputs.values()), name="")
        return dict(zip(outputs, results))

    module = tf.Module()
    module.serving = serving
    tf.saved_model.save(module, str(target), signatures={"serving_default": serving.get_concrete_function()})


def worth_preparing(signature) -> list[str]:
    """A quick read of the signature's graph (no freezing): what preparation may change, if anything. Freezing a
    large model costs seconds and memory; a model with neither float16 compute nor stateful or random ops skips it."""
    graph_def = signature.graph.as_graph_def()
    nodes = _all_nodes(graph_def)
    reasons = []
    if _uses_half(graph_def):
        reasons.append("float16 compute")
    if any(n.op in STATE_UPDATES or RANDOM_OPS.search(n.op) for n in nodes):
        reasons.append("stateful or random ops")
    return reasons


def prepare(frozen_signature, out_dir: Path, signature) -> Preparation:
    """Writes out_dir/prepared_model when the model needs preparing; says what it did."""
    reasons = worth_preparing(signature)
    if not reasons:
        return Preparation()
    log(f"graph preparation: the model has {' and '.join(reasons)}; freezing its serving signature")
    graph_def, frozen, preparation = analyse(frozen_signature())
    if not preparation.changed:
        log("graph preparation: nothing to change (converters read the SavedModel as it is)")
        return preparation
    log(f"graph preparation: {preparation.summary()}")
    _save(graph_def, frozen, out_dir / PREPARED_DIR)
    return preparation
