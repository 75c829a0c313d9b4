"""The serving signature as a self-contained tf.function with a static batch size.

Two converters need it:
- TFLite: Keras 3 recurrent layers keep their timesteps in TensorLists whose element shape is [-1, units] (the
  batch is unknown at export); TFLite rejects a TensorList with a non-static element shape.
- tf2onnx: it lists every captured non-variable tensor (the constants of a Keras Normalization or Rescaling layer)
  as an extra graph input; a frozen graph captures nothing. It converts the GraphDef itself (static_graph), which
  takes less memory than a tf.function around it (VGG16: peak 10.3 GB against 13.6 GB).

The signature is frozen (variables become constants, control flow kept as While loops), the batch dimension of
the inputs and of the TensorList element shapes is pinned to the variant's batch size; for TFLite the graph is
re-imported into a tf.function whose inputs and outputs carry the signature's names.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from ..env import import_tensorflow
from ..job import TensorSpec
from . import savedmodel

# TensorList ops and the input index of their element_shape operand (TensorFlow's op definitions)
ELEMENT_SHAPE_INPUT = {
    "EmptyTensorList": 0,
    "TensorListReserve": 0,
    "TensorListFromTensor": 1,
    "TensorListStack": 1,
    "TensorListConcatV2": 1,
    "TensorListGetItem": 2,
    "TensorListGather": 2,
}
LOOP_OPS = ("While", "StatelessWhile")

_imports = itertools.count()  # each import gets fresh function names (see _rename_functions)


@dataclass(frozen=True)
class Frozen:
    """A serving signature with its variables as constants: the GraphDef and how its tensors map to names."""

    graph_def: object  # tf.compat.v1.GraphDef
    inputs: dict[str, object]  # signature input name -> tf.TensorSpec (dynamic batch)
    input_tensors: dict[str, str]  # signature input name -> tensor name in graph_def
    output_tensors: dict[str, str]  # signature output name -> tensor name in graph_def


@dataclass(frozen=True)
class StaticGraph:
    """The frozen signature with its inputs' placeholders at the static batch and its TensorLists pinned."""

    graph_def: object  # tf.compat.v1.GraphDef
    specs: list  # tf.TensorSpec per input, static batch, sorted by input name
    input_tensors: dict[str, str]  # signature input name -> tensor name in graph_def
    output_tensors: dict[str, str]  # signature output name -> tensor name in graph_def
    pinned: int  # how many TensorList element shapes had their batch pinned


@dataclass(frozen=True)
class StaticSignature:
    function: object  # tf.function with a static-batch input_signature, returning a dict keyed by output name
    holder: object  # tf.Module holding `function`: TFLite writes a SignatureDef only for a trackable's function
    specs: list  # the input_signature, sorted by input name
    outputs: list[str]  # the signature's output names, sorted
    pinned: int  # how many TensorList element shapes had their batch pinned

    def concrete_function(self):
        return self.function.get_concrete_function()


def freeze(saved_model: Path) -> Frozen:
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # noqa: PLC0415

    loaded, fn = savedmodel.load_signature(saved_model)  # `loaded` keeps the variables alive while freezing
    # lower_control_flow=False keeps While loops as loops (TFLite WHILE, ONNX Loop) instead of Switch/Merge
    frozen = convert_variables_to_constants_v2(fn, lower_control_flow=False)
    _, kwargs = fn.structured_input_signature
    # flat inputs and outputs follow the sorted names of the signature's dicts (tf.nest order)
    inputs = {name: kwargs[name] for name in sorted(kwargs)}
    return Frozen(
        graph_def=frozen.graph.as_graph_def(),
        inputs=inputs,
        input_tensors={name: t.name for name, t in zip(inputs, frozen.inputs)},
        output_tensors={name: t.name for name, t in zip(sorted(fn.structured_outputs), frozen.outputs)},
    )


def _node_name(ref: str) -> str:
    """'node:0' (graph) or 'node:output:0' (function body) -> 'node'."""
    return ref.split(":")[0]


def _pin_batch(nodes, batch: int) -> int:
    """Set the leading -1 of TensorList element shapes to `batch` where the other dimensions are static.
    A pinned copy of the Const is made, so other users of the original Const are left alone."""
    tf = import_tensorflow()
    by_name = {n.name: n for n in nodes}
    pinned = 0
    for node in list(nodes):
        index = ELEMENT_SHAPE_INPUT.get(node.op)
        if index is None or index >= len(node.input):
            continue
        ref = node.input[index]
        source = by_name.get(_node_name(ref))
        if source is None or source.op != "Const":
            continue
        shape = tf.make_ndarray(source.attr["value"].tensor)
        if shape.ndim != 1 or len(shape) < 1 or shape[0] != -1 or (shape[1:] < 0).any():
            continue
        shape = shape.copy()
        shape[0] = batch
        name = f"{source.name}_tf2aif_batch{batch}"
        if name not in by_name:
            copy = nodes.add()
            copy.CopyFrom(source)
            copy.name = name
            copy.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(shape))
            by_name[name] = copy
        node.input[index] = name + ref[len(source.name) :]
        pinned += 1
    return pinned


def _rename_functions(graph_def, suffix: str) -> None:
    """Give every library function a new name: the originals are already registered in this process (loading
    the SavedModel did that), and importing a different body under the same name fails."""
    names = {f.signature.name for f in graph_def.library.function}

    def retarget(nodes) -> None:
        for node in nodes:
            for value in node.attr.values():
                if value.HasField("func") and value.func.name in names:
                    value.func.name += suffix
                for func in value.list.func:
                    if func.name in names:
                        func.name += suffix

    retarget(graph_def.node)
    for function in graph_def.library.function:
        function.signature.name += suffix
        retarget(function.node_def)
    for gradient in graph_def.library.gradient:
        if gradient.function_name in names:
            gradient.function_name += suffix


def _allow_inlining(graph_def) -> int:
    """Let converters inline every function call. Keras 3 runs grouped convolutions (ConvNeXt's depthwise
    blocks) in functions marked for XLA and never to be inlined (TensorFlow's CPU kernels lack grouped
    convolution); tf2onnx cannot convert the call op, but can convert the Conv2D inside once it is inlined."""
    marked = 0
    for function in graph_def.library.function:
        for key in ("_noinline", "_XlaMustCompile"):
            if key in function.attr:
                del function.attr[key]
                marked += 1
    for node in list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]:
        if "_XlaMustCompile" in node.attr:
            del node.attr["_XlaMustCompile"]
    return marked


def loop_layers(graph_def) -> list[str]:
    """The layers that run a While loop (Keras RNNs), named as in the graph: '.../lstm_1/while' -> 'lstm_1'."""
    nodes = list(graph_def.node) + [n for f in graph_def.library.function for n in f.node_def]
    layers = set()
    for node in nodes:
        if node.op in LOOP_OPS:
            parts = node.name.split("/")
            layers.add(parts[-2] if len(parts) > 1 else parts[-1])
    return sorted(layers)


def _static_shape(shape, batch: int, declared: tuple | None) -> tuple:
    """(batch, *dims), where a dimension the signature leaves open takes the declared one (tf2aif.json)."""
    dims = list(shape)[1:]
    if declared is not None and len(declared) == len(shape):
        dims = [d if d is not None else h for d, h in zip(dims, declared[1:])]
    return (batch, *dims)


def _set_placeholder_shapes(graph_def, frozen: Frozen, specs: list) -> None:
    """The inputs' placeholders take the static shapes, so shape inference (TFLite, tf2onnx) starts from them."""
    by_tensor = {frozen.input_tensors[s.name].split(":")[0]: s for s in specs}
    for node in graph_def.node:
        spec = by_tensor.get(node.name)
        if node.op == "Placeholder" and spec is not None:
            node.attr["shape"].shape.Clear()
            for d in spec.shape:
                node.attr["shape"].shape.dim.add().size = -1 if d is None else int(d)


def static_graph(saved_model: Path, batch: int, declared: list[TensorSpec] = ()) -> StaticGraph:
    """The serving signature of `saved_model` frozen at a fixed batch size, with no captured tensors. `declared`:
    the inputs of tf2aif.json, whose shapes fill dimensions the signature leaves open."""
    tf = import_tensorflow()
    hints = {d.name: d.shape for d in declared}
    frozen = freeze(saved_model)
    graph_def = frozen.graph_def
    pinned = _pin_batch(graph_def.node, batch)
    for function in graph_def.library.function:
        pinned += _pin_batch(function.node_def, batch)
    specs = [tf.TensorSpec(_static_shape(spec.shape, batch, hints.get(name)), spec.dtype, name=name) for name, spec in frozen.inputs.items()]
    _set_placeholder_shapes(graph_def, frozen, specs)
    _allow_inlining(graph_def)
    return StaticGraph(graph_def, specs, frozen.input_tensors, frozen.output_tensors, pinned)


def static_signature(saved_model: Path, batch: int, declared: list[TensorSpec] = ()) -> StaticSignature:
    """The static graph as a tf.function whose inputs and outputs carry the signature's names (for TFLite)."""
    tf = import_tensorflow()
    graph = static_graph(saved_model, batch, declared)
    graph_def = graph.graph_def
    _rename_functions(graph_def, f"_tf2aif_static{next(_imports)}")
    specs, outputs = graph.specs, graph.output_tensors

    @tf.function(input_signature=specs)
    def serving(*args):
        feed = {graph.input_tensors[s.name]: a for s, a in zip(specs, args)}
        results = tf.graph_util.import_graph_def(graph_def, input_map=feed, return_elements=list(outputs.values()), name="")
        return dict(zip(outputs, results))

    holder = tf.Module()
    holder.serving = serving
    return StaticSignature(function=serving, holder=holder, specs=specs, outputs=list(outputs), pinned=graph.pinned)
