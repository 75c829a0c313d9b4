"""The mixed-precision search's ranking and growth, on hand-made profiles: a layer comes with the readers of its
output that have no multiply-accumulates (an activation, an add), which alone change nothing; readers with MACs,
and layers already taken, stay units of their own; the growth doubles in layers, whole units at a time."""

from tf2aif_toolchain.diagnostics.int8_error_profile import ErrorProfile, LayerLoss
from tf2aif_toolchain.steps.mixed_precision import _grow, _ranked

# conv_a -> relu_a -> conv_b -> (sig_b, mul_b) (a swish: mul reads conv_b and sig_b) -> conv_c -> softmax
MACS = {"conv_a": 100, "relu_a": 0, "conv_b": 300, "sig_b": 0, "mul_b": 0, "conv_c": 600, "softmax": 0}
READERS = {"conv_a": ("relu_a",), "relu_a": ("conv_b",), "conv_b": ("sig_b", "mul_b"), "sig_b": ("mul_b",), "mul_b": ("conv_c",)}


def profile(*keys: str) -> ErrorProfile:
    ranked = tuple(LayerLoss(k, "op", 10.0 - i, 0.0, key=k, readers=READERS.get(k, ())) for i, k in enumerate(keys))
    return ErrorProfile(len(keys), 40.0, {}, list(ranked), ranked)


def test_a_layer_comes_with_its_readers_without_macs():
    assert _ranked(profile("conv_b", "conv_a"), [], MACS) == [("conv_b", "sig_b", "mul_b"), ("conv_a", "relu_a")]


def test_readers_with_macs_and_taken_layers_are_units_of_their_own():
    # relu_a is already conv_a's; its reader conv_b has MACs; mul_b's reader conv_c too
    units = _ranked(profile("conv_a", "relu_a", "mul_b"), ["softmax"], MACS)
    assert units == [("softmax",), ("conv_a", "relu_a"), ("conv_b",), ("mul_b",), ("conv_c",)]


def test_without_macs_every_reader_is_a_unit():
    flat = dict.fromkeys(MACS, 0)
    assert _ranked(profile("conv_b"), [], flat) == [("conv_b",), ("sig_b",), ("mul_b",)]


def test_growth_doubles_in_layers_whole_units_at_a_time():
    units = _ranked(profile("conv_b", "conv_a", "conv_c"), [], MACS)
    first = _grow(units, [], MACS, budget=1.0)
    assert first == ["conv_b", "sig_b", "mul_b"]  # one unit: one attempt where layer by layer took three
    assert _grow(units, first, MACS, budget=1.0) == [*first, "conv_a", "relu_a", "conv_c"]


def test_growth_keeps_to_the_budget():
    units = _ranked(profile("conv_c", "conv_a"), [], MACS)
    # conv_c is 60% of the MACs: over a 50% budget it is left out, conv_a and its relu are taken
    assert _grow(units, [], MACS, budget=0.5) == ["conv_a", "relu_a"]
