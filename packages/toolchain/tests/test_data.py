import textwrap

import numpy as np
import pytest

from job_support import random_draw
from tf2aif_toolchain.data import from_loader, shape_points
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import TensorSpec

SPEC = [TensorSpec("image", (None, 4, 4, 1), "float32")]


def loader(tmp_path, body: str):
    path = tmp_path / "loader.py"
    path.write_text("import numpy as np\n" + textwrap.dedent(body))
    return path


def test_batches_with_labels_are_stacked_and_trimmed(tmp_path):
    path = loader(
        tmp_path,
        """
        def get_dataloader(path, batch_size, samples, split="calibration"):
            assert split == "verification"
            for i in range(0, 30, batch_size):
                yield np.full((batch_size, 4, 4, 1), i, np.float64), np.arange(i, i + batch_size)
        """,
    )
    [s] = from_loader(path, None, SPEC, samples=25, batch_size=10, split="verification")
    assert s.count == 25 and s.arrays["image"].dtype == np.float32
    assert list(s.labels[:3]) == [0, 1, 2] and len(s.labels) == 25


def test_tf2aif_contract_without_split_argument(tmp_path):
    path = loader(
        tmp_path,
        """
        def get_dataloader(path, batch_size, samples):
            yield {"image": np.zeros((samples, 4, 4, 1))}
        """,
    )
    [s] = from_loader(path, tmp_path, SPEC, samples=5, batch_size=5, split="calibration")
    assert s.count == 5 and s.labels is None


@pytest.mark.parametrize(
    "body, message",
    [
        ("def get_dataloader(path, batch_size, samples):\n    raise OSError('no such dataset')\n", "raised OSError: no such dataset"),
        (
            "def get_dataloader(path, batch_size, samples):\n    yield np.zeros((2, 5, 5, 1))\n",
            "has shape [2, 5, 5, 1], the model takes [None, 4, 4, 1]",
        ),
        ("def get_dataloader(path, batch_size, samples):\n    yield np.zeros((3, 4, 4, 1))\n", "returned 3 samples; 10 are needed"),
        ("def get_dataloader(path, batch_size, samples):\n    yield np.array([['a']])\n", "has shape"),
        ("def other():\n    pass\n", "must define a function get_dataloader()"),
        ("import not_a_module\n", "failed to import: ModuleNotFoundError"),
    ],
)
def test_loader_failures_are_clear(tmp_path, body, message):
    with pytest.raises(ToolchainError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        from_loader(loader(tmp_path, body), None, SPEC, samples=10, batch_size=5, split="calibration")


def test_missing_loader_file(tmp_path):
    with pytest.raises(ToolchainError, match="does not exist"):
        from_loader(tmp_path / "nope.py", None, SPEC, 1, 1, "calibration")


def test_random_samples_are_seeded_and_padded_batches_are_exact():
    a = random_draw(SPEC, 5, seed=3)
    b = random_draw(SPEC, 5, seed=3)
    assert np.array_equal(a.arrays["image"], b.arrays["image"])
    batches = list(a.batches(2))
    assert [real for _, real in batches] == [2, 2, 1]
    assert all(batch["image"].shape == (2, 4, 4, 1) for batch, _ in batches)
    with pytest.raises(ToolchainError, match="unknown dimensions .* no shapeRange"):
        random_draw([TensorSpec("x", (None, None, 3), "float32")], 2, 0)


DYNAMIC = [
    TensorSpec.parse(
        {
            "name": "image",
            "shape": [None, None, None, 3],
            "dtype": "float32",
            "shapeRange": {"min": [8, 8, 3], "opt": [16, 12, 3], "max": [32, 32, 3]},
        },
        "inputs[0]",
    )
]


def test_random_samples_of_an_input_with_unknown_dimensions_take_the_shape_range_points():
    assert random_draw(DYNAMIC, 2, seed=0).arrays["image"].shape == (2, 16, 12, 3)
    assert random_draw(DYNAMIC, 2, seed=0, which="max").arrays["image"].shape == (2, 32, 32, 3)
    assert shape_points(DYNAMIC) == ["opt", "min", "max"]
    assert shape_points(DYNAMIC, fixed={"image": [1, 16, 12, 3]}) == ["opt"]  # an artifact that fixed the shape
    assert shape_points(SPEC) == ["opt"]


def test_unknown_dimensions_without_a_shape_range_are_named():
    spec = [TensorSpec("image", (None, None, None, 3), "float32")]
    with pytest.raises(ToolchainError, match="unknown dimensions .* no shapeRange: set inputs\\[\\].shapeRange"):
        random_draw(spec, 2, seed=0)


def test_a_loader_of_several_image_sizes_gives_one_group_per_size(tmp_path):
    path = loader(
        tmp_path,
        """
        def get_dataloader(path, batch_size, samples):
            for size in (8, 16, 8):
                yield np.zeros((2, size, size, 3))
        """,
    )
    groups = from_loader(path, None, DYNAMIC, samples=6, batch_size=2, split="verification")
    assert [g.arrays["image"].shape for g in groups] == [(4, 8, 8, 3), (2, 16, 16, 3)]


def test_loader_data_outside_the_shape_range_is_refused(tmp_path):
    path = loader(tmp_path, "def get_dataloader(path, batch_size, samples):\n    yield np.zeros((2, 64, 64, 3))\n")
    with pytest.raises(ToolchainError, match="outside its shapeRange"):
        from_loader(path, None, DYNAMIC, samples=2, batch_size=2, split="verification")
