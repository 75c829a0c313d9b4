"""The quantize step's accuracy check looks at growing prefixes of its own draw (8, verify's count, four times
that): it stops where the answer is clear and otherwise goes wide, because the minimum over verify's count is a
noisy figure (one bad sample in a hundred decides it). Fake runners: the candidate's cosine per sample is set."""

import json

import numpy as np
import pytest

from job_support import resolved
from tf2aif_toolchain.job import Job
from tf2aif_toolchain.steps import mixed_precision

COUNT = 16  # verify's samples: prefixes 8, 16, 32, 48, 64


class Runner:
    """Returns a fixed 2-d output per sample; a candidate's output is turned to the cosine set for that sample
    (samples are recognised by their first value: the draw is random floats)."""

    def __init__(self, cosines: dict[float, float] | None) -> None:
        self.cosines = cosines
        self.runs = 0

    def run(self, batch: dict) -> dict:
        self.runs += len(batch["x"])
        x = batch["x"].reshape(len(batch["x"]), -1)[:, 0]
        rows = []
        for key in x:
            c = 1.0 if self.cosines is None else self.cosines.get(float(key), 1.0)
            rows.append([c, np.sqrt(max(0.0, 1 - c * c))])
        return {"y": np.array(rows, dtype=np.float32)}


INPUTS = [{"name": "x", "shape": [None, 4], "dtype": "float32"}]


def make_checker(tmp_path, monkeypatch, runner_for, **settings) -> mixed_precision.Checker:
    """The quantize step's accuracy check of a model with one input x (its model.json in tmp_path/m), the runtime
    faked: `runner_for(meta)` runs the reference ({"which": "reference"}) and each candidate. `settings`: the
    job's calibration and trained."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m/model.json").write_text(json.dumps({"inputs": INPUTS}))
    options = {
        "inputs": INPUTS,
        "modelPath": "m",
        "batchSize": 4,
        "precision": "int8",
        "task": "regression",
        "verify": {"samples": COUNT, "seed": 0, "tolerances": {}},
        "mixedPrecision": {"fallback": "mixed", "maxFloatShare": 0.25, "maxAttempts": 4, "margin": 0.2},
        **settings,
    }

    class Loader:
        def load(self, folder, meta):
            return runner_for(meta)

    monkeypatch.setattr(mixed_precision, "load_runtime", lambda executor: Loader())
    return mixed_precision.Checker(Job("quantize", tmp_path, tmp_path, resolved(options)), tmp_path, {"which": "reference"}, "fake")


@pytest.fixture
def checker(tmp_path, monkeypatch):
    runners = {"reference": Runner(None)}
    made = make_checker(
        tmp_path, monkeypatch, lambda meta: runners[meta["which"]], trained=False, calibration={"random": True, "samples": 8, "batchSize": 4}
    )
    keys = [float(k) for k in made.wide.arrays["x"][:, 0]]

    def check(cosines_by_index: dict[int, float], mixed: bool = False):
        runners["candidate"] = Runner({keys[i]: c for i, c in cosines_by_index.items()})
        return made(tmp_path, {"which": "candidate"}, mixed=mixed)

    check.runners = runners
    return check


def test_a_candidate_clear_on_the_first_eight_is_not_looked_at_further(checker):
    check = checker({i: 0.999 for i in range(64)} | {40: 0.5})
    assert check.passed and check.samples == 8


def test_one_bad_sample_past_verify_count_fails_a_candidate_near_the_tolerance(checker):
    # 0.96 everywhere: passes verify's count, but not clearly (0.975 would be), so the check goes wide and finds 50
    check = checker({i: 0.96 for i in range(64)} | {50: 0.9})
    assert not check.passed and check.samples == 64 and check.min_cosine == pytest.approx(0.9, abs=1e-4)
    # each sample ran once on each side, however many prefixes were looked at (8, 16, 32, 48, 64)
    assert checker.runners["candidate"].runs == 64 and checker.runners["reference"].runs == 64


def test_a_wide_look_stops_at_the_first_block_that_fails(checker):
    check = checker({i: 0.96 for i in range(64)} | {20: 0.9})
    assert not check.passed and check.samples == 32 and checker.runners["candidate"].runs == 32


def test_a_candidate_that_fails_early_is_not_looked_at_further(checker):
    check = checker({3: 0.9})
    assert not check.passed and check.samples == 8


def test_a_mixed_candidate_must_reach_the_margin_on_the_wide_draw(checker):
    near = {i: 0.955 for i in range(64)}  # within the tolerance, under its margin (0.95 + 0.2 * 0.05 = 0.96)
    assert checker(near).passed
    mixed = checker(near, mixed=True)
    assert not mixed.passed and mixed.samples == 16 and "quantize.margin" in mixed.failures[0]
    assert checker({i: 0.965 for i in range(64)}, mixed=True).passed


LOADER = """
import numpy as np

def get_dataloader(path, batch_size, samples, split="calibration"):
    rng = np.random.default_rng(1 if split == "verification" else 0)
    data = rng.random((20, 4), dtype=np.float32)  # 20 samples in all, as a small user dataset has
    for start in range(0, min(samples, len(data)), batch_size):
        yield {"x": data[start:start + batch_size]}
"""


def test_a_loader_gives_the_check_verify_count_not_more(tmp_path, monkeypatch):
    # a user's verification split holds what they gave: the check reads verify's count (16 of 20), no wide draw
    (tmp_path / "data.py").write_text(LOADER)
    made = make_checker(
        tmp_path,
        monkeypatch,
        lambda meta: Runner(None if meta["which"] == "reference" else {}),
        trained=True,
        calibration={"random": False, "loader": "data.py", "samples": 8, "batchSize": 4},
    )
    assert made.wide.count == COUNT and made.counts == [8, COUNT]
    check = made(tmp_path, {"which": "candidate"})
    assert check.passed and check.samples == 8
