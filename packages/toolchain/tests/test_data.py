import textwrap

import numpy as np
import pytest

from tf2aif_toolchain.data import from_loader, random_samples
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
    s = from_loader(path, None, SPEC, samples=25, batch_size=10, split="verification")
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
    s = from_loader(path, tmp_path, SPEC, samples=5, batch_size=5, split="calibration")
    assert s.count == 5 and s.labels is None


@pytest.mark.parametrize(
    "body, message",
    [
        ("def get_dataloader(path, batch_size, samples):\n    raise OSError('no such dataset')\n", "raised OSError: no such dataset"),
        ("def get_dataloader(path, batch_size, samples):\n    yield np.zeros((2, 5, 5, 1))\n", "has shape [2, 5, 5, 1], the model takes [None, 4, 4, 1]"),
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
    a = random_samples(SPEC, 5, seed=3)
    b = random_samples(SPEC, 5, seed=3)
    assert np.array_equal(a.arrays["image"], b.arrays["image"])
    batches = list(a.batches(2))
    assert [real for _, real in batches] == [2, 2, 1]
    assert all(batch["image"].shape == (2, 4, 4, 1) for batch, _ in batches)
    with pytest.raises(ToolchainError, match="needs a fixed shape"):
        random_samples([TensorSpec("x", (None, None, 3), "float32")], 2, 0)
