"""Valid ranges of integer inputs, read from the model graph: an input that indexes an embedding or lookup table
must stay within the table's rows, or TensorFlow and every runtime reject it; random data needs to know."""
from __future__ import annotations

from dataclasses import dataclass

from .env import import_tensorflow
from .job import TensorSpec
from .progress import log

# ops whose output holds the values of their first input (ids pass through unchanged)
PASS_THROUGH = {"Identity", "Cast", "Reshape", "Squeeze", "ExpandDims", "StopGradient", "Snapshot", "EnsureShape", "PreventGradient"}
# Select(c, a, b) yields values of a or b: Keras 3's SelectV2(Less(x, 0), x + N, x) leads back to x
SELECTS = {"Select", "SelectV2"}
GATHERS = {"GatherV2", "Gather", "ResourceGather", "GatherNd", "ResourceGatherNd"}
# scopes every exported signature adds: a table is named by the scope below them (e.g. the Keras layer)
WRAPPER_SCOPES = ("StatefulPartitionedCall", "PartitionedCall")


@dataclass(frozen=True)
class InputRange:
    low: int
    high: int
    reason: str


def is_integer(dtype: str) -> bool:
    return dtype.startswith(("int", "uint"))


def _rows(op) -> int | None:
    """How many entries along the gathered axis of the table `op` reads; None when not static."""
    tf = import_tensorflow()
    shape = op.inputs[0].shape
    if not shape.rank:  # unknown, or a resource handle (frozen graphs read variables as constants instead)
        return None
    if op.type.endswith("GatherNd"):
        depth = op.inputs[1].shape[-1] if op.inputs[1].shape.rank else 1
        dims = shape.as_list()[: depth or 1]
    else:
        axis = tf.get_static_value(op.inputs[2]) if op.type == "GatherV2" else 0
        if axis is None:
            return None
        dims = [shape.as_list()[int(axis)]]
    return None if any(d is None for d in dims) else int(min(dims))


def _variable_names(signature) -> dict[str, str]:
    """Captured placeholder -> variable name: freezing turns each capture into a constant of the same name."""
    by_handle = {id(v.handle): v.name.removesuffix(":0") for v in signature.variables}
    return {inner.op.name: by_handle[id(outer)] for outer, inner in signature.graph.captures if id(outer) in by_handle}


def _table_name(op, variables: dict[str, str]) -> str:
    """The table's variable (e.g. "embedding/embeddings"), else the scope of the gather (e.g. the Keras layer)."""
    source = op.inputs[0].op
    while source.type in PASS_THROUGH and source.inputs:
        source = source.inputs[0].op
    if source.name in variables:
        return variables[source.name]
    scopes = [p for p in op.name.split("/")[:-1] if not p.startswith(WRAPPER_SCOPES) and not p.startswith("Func")]
    return scopes[-1] if scopes else op.name


def _sources(tensor, placeholders: dict[str, str]) -> set[str]:
    """The signature inputs whose values reach `tensor` unchanged."""
    found: set[str] = set()
    stack, seen = [tensor], set()
    while stack:
        t = stack.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        if t.name in placeholders:
            found.add(placeholders[t.name])
        elif t.op.type in PASS_THROUGH:
            stack.append(t.op.inputs[0])
        elif t.op.type in SELECTS:
            stack.extend(t.op.inputs[1:3])
        elif t.op.type == "IdentityN":
            stack.append(t.op.inputs[t.value_index])
    return found


def _frozen(signature):
    """The signature with its variables as constants, so every table has a static shape; and its placeholders."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # noqa: PLC0415

    frozen = convert_variables_to_constants_v2(signature, lower_control_flow=False)
    _, kwargs = signature.structured_input_signature
    names = sorted(kwargs)  # a signature's placeholders come in the sorted order of its keyword names
    return frozen.graph, {t.name: n for t, n in zip(frozen.inputs[: len(names)], names)}


def _infer(signature, integer: set[str]) -> dict[str, InputRange]:
    graph, placeholders = _frozen(signature)
    variables = _variable_names(signature)
    found: dict[str, InputRange] = {}
    for op in graph.get_operations():
        if op.type not in GATHERS or len(op.inputs) < 2:
            continue
        rows = _rows(op)
        if not rows:
            continue
        for name in _sources(op.inputs[1], placeholders) & integer:
            if name not in found or rows - 1 < found[name].high:
                found[name] = InputRange(0, rows - 1, f"rows of embedding table '{_table_name(op, variables)}'")
    return found


def infer(signature, inputs: list[TensorSpec]) -> dict[str, InputRange]:
    """[0, rows - 1] for each integer input that indexes a table (the smallest table when it indexes several)."""
    integer = {s.name for s in inputs if is_integer(s.dtype)}
    if not integer:
        return {}  # nothing to read: spare freezing a large float model
    try:
        return _infer(signature, integer)
    except Exception as e:  # noqa: BLE001 (a hint for random data: the build must not fail for it)
        log(f"could not read the valid ranges of integer inputs from the graph: {type(e).__name__}: {e}")
        return {}
