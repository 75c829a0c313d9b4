"""Valid ranges of inputs, read from the model graph, for random calibration and verification data:
- an integer input that indexes an embedding or lookup table must stay within the table's rows, or TensorFlow
  and every runtime reject it;
- a float input that the model first scales by 1/255 (or 1/127.5), or from which it subtracts per-channel pixel
  means, takes pixel values in [0, 255] (keras.applications' EfficientNet, MobileNetV3, ConvNeXt carry that
  preprocessing inside the model); random values in [0, 1) would reach the network as a near-constant image,
  whose INT8 quantization then measures nothing but noise."""

from __future__ import annotations

from dataclasses import dataclass

from ..env import import_tensorflow
from ..job import TensorSpec
from ..progress import log

# ops whose output holds the values of their first input (ids pass through unchanged)
PASS_THROUGH = {"Identity", "Cast", "Reshape", "Squeeze", "ExpandDims", "StopGradient", "Snapshot", "EnsureShape", "PreventGradient"}
# Select(c, a, b) yields values of a or b: Keras 3's SelectV2(Less(x, 0), x + N, x) leads back to x
SELECTS = {"Select", "SelectV2"}
GATHERS = {"GatherV2", "Gather", "ResourceGather", "GatherNd", "ResourceGatherNd"}
# scopes every exported signature adds: a table is named by the scope below them (e.g. the Keras layer)
WRAPPER_SCOPES = ("StatefulPartitionedCall", "PartitionedCall")


@dataclass(frozen=True)
class InputRange:
    low: float
    high: float
    reason: str


PIXELS = (0, 255)
# a scale a model applies to 8-bit pixel values first: 1/255 ([0, 1]) or 1/127.5 (with an offset, [-1, 1])
PIXEL_SCALES = (1 / 255, 1 / 127.5)
# per-channel means of 8-bit images (ImageNet's are 124, 116, 104) are far above those of [0, 1] data
PIXEL_MEAN_MIN = 20.0


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


def _constant(tensor):
    """The value of a constant tensor (seen through Identity and Reshape), else None."""
    tf = import_tensorflow()
    while tensor.op.type in ("Identity", "Reshape"):
        tensor = tensor.op.inputs[0]
    return tf.get_static_value(tensor) if tensor.op.type == "Const" else None


def _pixel_reason(graph, placeholder: str) -> str | None:
    """Why a float input takes 8-bit pixel values, from the first op that uses it; None when nothing says so."""
    import numpy as np  # noqa: PLC0415

    frontier = [graph.get_tensor_by_name(placeholder)]
    for _ in range(3):  # through the Identity ops an exported signature adds
        consumers = [op for t in frontier for op in t.consumers()]
        for op in consumers:
            others = [_constant(t) for t in op.inputs if t.name not in {f.name for f in frontier}]
            values = [np.asarray(v, dtype=np.float64) for v in others if v is not None]
            if not values:
                continue
            v = values[0]
            if op.type == "Mul" and v.size == 1 and any(np.isclose(v.item(), s, rtol=1e-3) for s in PIXEL_SCALES):
                return f"the model scales it by {v.item():.4g} first (8-bit pixel values)"
            if op.type in ("RealDiv", "Div") and v.size == 1 and any(np.isclose(1 / v.item(), s, rtol=1e-3) for s in PIXEL_SCALES):
                return f"the model divides it by {v.item():.4g} first (8-bit pixel values)"
            if op.type == "Sub" and v.size >= 1 and float(np.abs(v).mean()) >= PIXEL_MEAN_MIN:
                return f"the model subtracts means of {float(np.abs(v).mean()):.0f} first (8-bit pixel values)"
        frontier = [t for op in consumers if op.type == "Identity" for t in op.outputs]
    return None


def _infer(signature, integer: set[str], floats: set[str]) -> dict[str, InputRange]:
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
    for tensor, name in placeholders.items():
        reason = _pixel_reason(graph, tensor) if name in floats else None
        if reason:
            found[name] = InputRange(*PIXELS, reason)
    return found


def infer(signature, inputs: list[TensorSpec]) -> dict[str, InputRange]:
    """[0, rows - 1] for each integer input that indexes a table (the smallest table when it indexes several);
    [0, 255] for each float input the model treats as 8-bit pixels."""
    integer = {s.name for s in inputs if is_integer(s.dtype)}
    # images (N, H, W, C): the inputs a model may treat as 8-bit pixels
    floats = {s.name for s in inputs if s.dtype.startswith("float") and len(s.shape) == 4 and s.shape[-1] in (1, 3, 4)}
    if not integer and not floats:
        return {}  # nothing to read: spare freezing the model
    try:
        return _infer(signature, integer, floats)
    except Exception as e:  # noqa: BLE001 (a hint for random data: the build must not fail for it)
        log(f"could not read the valid ranges of integer inputs from the graph: {type(e).__name__}: {e}")
        return {}
