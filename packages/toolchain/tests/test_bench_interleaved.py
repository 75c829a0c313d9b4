"""The in-process bench's round-by-round rule: when it stops, and which windows a speedup is made of."""

from tf2aif_toolchain.bench.inprocess import fastest, interleaved


class Scripted:
    """A series whose window medians (seconds) are given instead of timed."""

    def __init__(self, name, medians):
        self.name, self._medians, self.windows = name, list(medians), []

    def window(self):
        value = self._medians.pop(0)
        self.windows.append([value])
        return value

    def kept(self, count):
        import numpy as np  # noqa: PLC0415

        return np.concatenate([np.asarray(w) for w in self.windows[-count:]])


def test_fastest_leaves_out_the_warm_up_round():
    assert fastest([0.001, 0.004, 0.003]) == 0.003
    assert fastest([0.002]) == 0.002


def test_speedup_is_made_of_the_fastest_windows_so_a_bimodal_baseline_is_repeatable():
    variant = Scripted("variant", [0.05] * 8)
    # a baseline that sits in a slow mode for some rounds: which rounds does not change the ratio
    run_a = Scripted("baseline", [0.9, 0.30, 0.30, 0.40, 0.30, 0.30, 0.30, 0.30])
    run_b = Scripted("baseline", [0.9, 0.40, 0.40, 0.30, 0.40, 0.40, 0.40, 0.40])
    a = interleaved([variant, run_a], max_seconds=60)
    b = interleaved([Scripted("variant", [0.05] * 8), run_b], max_seconds=60)
    assert a["ratios"]["baseline"] == b["ratios"]["baseline"] == 6.0
    assert a["stable"] and b["stable"]


def test_stops_only_when_the_variant_and_its_first_ratio_agree_over_three_rounds():
    variant = Scripted("variant", [0.05, 0.05, 0.09, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05])
    baseline = Scripted("baseline", [0.3] * 9)
    noisy = Scripted("predict", [1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0, 3.0, 1.0])
    result = interleaved([variant, baseline, noisy], max_seconds=60)
    assert result["rounds"] == 6  # the slow third window holds it back until rounds 4-6 agree
    assert result["ratiosStable"]["predict"] is False  # reported, but it did not hold the measurement
    assert result["ratios"]["predict"] == 20.0


def test_gives_up_at_the_time_bound_and_says_so():
    result = interleaved([Scripted("variant", [0.05, 0.5]), Scripted("baseline", [0.3, 0.3])], max_seconds=0)
    assert result["rounds"] == 1 and result["stable"] is False
