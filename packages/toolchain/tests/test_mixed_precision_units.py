"""The mixed-precision search's ranking and growth, on hand-made profiles: a layer comes with the readers of its
output that have no multiply-accumulates (an activation, an add), which alone change nothing; readers with MACs,
and layers already taken, stay units of their own; the growth doubles in layers, whole units at a time."""

from tf2aif_toolchain.diagnostics.int8_error_profile import ErrorProfile, LayerLoss
from tf2aif_toolchain.steps.mixed_precision import Check, Policy, _grow, _ranked, _search

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


def test_a_layer_over_the_budget_brings_none_of_its_readers():
    units = _ranked(profile("conv_b", "conv_a"), [], MACS)
    # conv_b is 30% of the MACs: over a 20% budget its sigmoid and mul (no MACs) stay out with it
    assert _grow(units, [], MACS, budget=0.2) == ["conv_a", "relu_a"]


class FakeRequantizer:
    """Twelve convolutions of equal MACs, the profile ranking them in order; what a candidate keeps float is all the
    search can see of it."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys

    def macs(self):
        return dict.fromkeys(self.keys, 100)

    def output_layers(self):
        return {}

    def profile(self, artifact_dir, meta, batches):
        return profile(*self.keys)

    def write(self, excluded, out_dir):
        (out_dir / "model.bin").write_text(",".join(excluded))
        return {}

    def describe(self, key):
        return {"node": key, "op": "Conv"}

    def adopted(self, out_dir):
        return {}


class FakeChecker:
    """Passes a candidate that keeps every layer of `needed` float; records the float sets it was asked about."""

    profile_batches: list = []

    def __init__(self, needed: set[str]) -> None:
        self.needed, self.asked = needed, []

    def __call__(self, folder, meta, mixed=False):
        kept = set(filter(None, (folder / "model.bin").read_text().split(",")))
        self.asked.append(frozenset(kept))
        passed = self.needed <= kept
        return Check(passed, [] if passed else ["min cosine"], [], 0.97 if passed else 0.9, 32)

    def target(self):
        return 0.96


def test_the_search_never_asks_again_about_what_missed(tmp_path):
    keys = [f"conv_{i:02d}" for i in range(12)]
    checker = FakeChecker({"conv_00", "conv_05", "conv_09"})
    full = Check(False, ["min cosine"], [], 0.9, 32)
    record, _ = _search(FakeRequantizer(keys), checker, full, {}, Policy("mixed", 1.0, 16, "float kernels"), tmp_path)
    assert record["found"] and {layer["key"] for layer in record["floatLayers"]} >= checker.needed
    missed = [kept for kept in checker.asked if not checker.needed <= kept]
    for i, kept in enumerate(checker.asked):
        # neither a candidate asked before nor one that keeps less float than a candidate that missed
        assert not any(kept <= miss for miss in missed if checker.asked.index(miss) < i), sorted(kept)
