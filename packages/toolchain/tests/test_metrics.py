import numpy as np
import pytest

from tf2aif_toolchain.steps import metrics

# a tolerance as the plugin resolves one for an INT8 variant of a trained model
INT8 = {"minCosine": 0.95, "minTop1Agreement": 0.85, "minIouAgreement": 0.85, "minDetectionAgreement": 0.9, "maxAccuracyDropPoints": 1.0}


def test_error_stats_identical_outputs():
    x = np.random.default_rng(0).random((4, 10)).astype(np.float32)
    s = metrics.error_stats(x, x.copy())
    assert s["maxAbsError"] == 0 and s["minCosine"] == pytest.approx(1.0)


def test_error_stats_measures_the_worst_sample():
    ref = np.array([[1.0, 0.0], [0.0, 2.0]])
    got = np.array([[1.0, 0.0], [2.0, 0.0]])  # second sample orthogonal
    s = metrics.error_stats(ref, got)
    assert s["maxAbsError"] == 2.0
    assert s["maxRelError"] == 1.0  # relative to the reference's largest magnitude
    assert s["minCosine"] == pytest.approx(0.0)
    assert s["meanCosine"] == pytest.approx(0.5)


def test_cosine_is_scale_free_for_tiny_outputs():
    x = np.array([[3e-12, 4e-12]])
    assert metrics.cosine_per_sample(x, x * 1.0000001)[0] == pytest.approx(1.0)
    assert metrics.cosine_per_sample(x, np.zeros_like(x))[0] == 0.0


def test_zero_vectors_count_as_equal_and_shape_mismatch_is_an_error():
    assert metrics.cosine_per_sample(np.zeros((1, 3)), np.zeros((1, 3)))[0] == 1.0
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.error_stats(np.zeros((2, 3)), np.zeros((2, 4)))


def test_top1_agreement():
    ref = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    got = np.array([[0.8, 0.2], [0.7, 0.3], [0.6, 0.4]])
    assert metrics.top1_agreement(ref, got) == pytest.approx(2 / 3)


def test_iou_agreement_on_masks():
    ref = np.zeros((1, 2, 2, 2))
    ref[..., 0] = 1  # all background
    got = ref.copy()
    got[0, 0, 0] = [0, 1]  # one pixel flips to class 1
    # class 0: 3/4, class 1: 0/1 -> mean 0.375
    assert metrics.iou_agreement(ref, got) == pytest.approx(0.375)
    assert metrics.iou_agreement(ref, ref) == 1.0


def test_accuracy_delta_in_points():
    labels = np.array([0, 1, 1, 0])
    ref = np.eye(2)[[0, 1, 1, 1]]  # 3/4 right
    got = np.eye(2)[[0, 1, 0, 1]]  # 2/4 right
    a = metrics.accuracy_delta(ref, got, labels)
    assert a == {"samples": 4, "reference": 0.75, "variant": 0.5, "deltaPoints": -25.0}


def test_check_reports_each_miss_with_numbers():
    result = {
        "outputs": {"y": {"minCosine": 0.9, "maxAbsError": 0.5, "top1Agreement": 0.8}},
        "accuracy": {"deltaPoints": -2.0},
    }
    failures = metrics.check(result, INT8, "classification")
    assert any("min cosine similarity 0.900000 < 0.95" in f for f in failures)
    assert any("top-1 agreement 0.8000 < 0.85" in f for f in failures)
    assert any("accuracy dropped 2.00 points" in f for f in failures)
    ok = {"outputs": {"y": {"minCosine": 0.99, "maxAbsError": 0.5, "top1Agreement": 0.9}}, "accuracy": None}
    assert metrics.check(ok, INT8, "classification") == []


def test_grouped_error_stats_count_each_sample_of_every_shape_once():
    import numpy as np

    from tf2aif_toolchain.steps.metrics import error_stats, grouped_error_stats

    rng = np.random.default_rng(0)
    small, large = rng.random((3, 4, 4)), rng.random((2, 8, 8))
    noisy = [small + 0.01, large - 0.02 * (large > 0.5)]
    grouped = grouped_error_stats([small, large], noisy)
    parts = [error_stats(small, noisy[0]), error_stats(large, noisy[1])]
    assert grouped["maxAbsError"] == max(p["maxAbsError"] for p in parts)
    assert grouped["minCosine"] == min(p["minCosine"] for p in parts)
    assert np.isclose(grouped["meanCosine"], (3 * parts[0]["meanCosine"] + 2 * parts[1]["meanCosine"]) / 5)
    assert grouped_error_stats([small], [noisy[0]]) == parts[0]
