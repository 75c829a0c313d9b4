"""tf2onnx handlers for TensorFlow ops it has none for, given to tf2onnx.convert.from_function(custom_op_handlers=).

Each entry is tf2onnx's custom-op form, {tf op: (handler, [])}, called as handler(ctx, node, name, args) with
ctx the tf2onnx graph and node the TensorFlow node, which the handler turns into ONNX ops in place.
"""

from __future__ import annotations

import numpy as np


def _erfc(ctx, node, name, args):
    """erfc(x) as 1 - erf(x): Keras 3's exact GELU is 0.5 * x * erfc(-x / sqrt(2)), and ONNX has Erf but no
    Erfc. The subtraction loses relative precision where erfc is tiny (x > ~3), but there GELU's output is tiny
    too: its absolute error stays around 1e-7 in float32."""
    from tf2onnx import utils  # noqa: PLC0415 (heavy, only when converting)

    x = node.input[0]
    dtype = ctx.get_dtype(x)
    erf = ctx.make_node("Erf", [x], op_name_scope=name, shapes=[ctx.get_shape(x)], dtypes=[dtype])
    one = ctx.make_const(utils.make_name(f"{name}_one"), np.array(1, dtype=utils.map_onnx_to_numpy_type(dtype)))
    # the node itself becomes the Sub, so its output keeps its name for consumers and graph outputs
    node.type = "Sub"
    ctx.replace_inputs(node, [one.output[0], erf.output[0]])


HANDLERS = {
    "Erfc": (_erfc, []),
}
