"""Floating-point operations of one inference at batch 1 (TensorFlow's profiler on the frozen signature)."""

from __future__ import annotations

from ..env import import_tensorflow
from ..job import TensorSpec
from ..progress import log


def count_flops(signature, inputs: list[TensorSpec]) -> int | None:
    """FLOPs per sample (a multiply-add counts 2), or None when the profiler cannot count this graph."""
    tf = import_tensorflow()
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # noqa: PLC0415

    if any(d is None for s in inputs for d in s.shape[1:]):
        return None  # dynamic spatial dims: no fixed count
    specs = {s.name: tf.TensorSpec([1, *s.shape[1:]], s.dtype, name=s.name) for s in inputs}
    try:
        concrete = tf.function(lambda **kw: signature(**kw)).get_concrete_function(**specs)
        frozen = convert_variables_to_constants_v2(concrete)
        with tf.Graph().as_default() as graph:
            tf.graph_util.import_graph_def(frozen.graph.as_graph_def(), name="")
            builder = tf.compat.v1.profiler.ProfileOptionBuilder
            options = builder(builder.float_operation()).with_empty_output().build()
            profile = tf.compat.v1.profiler.profile(graph=graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=options)
        return int(profile.total_float_ops) or None
    except Exception as e:  # noqa: BLE001 (a count is a nice-to-have; the build must not fail for it)
        log(f"could not count FLOPs: {type(e).__name__}: {e}")
        return None
