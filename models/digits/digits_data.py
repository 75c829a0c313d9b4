"""The digits data set that ships inside scikit-learn (1797 8x8 images), split deterministically.

get_dataloader follows TF2AIF's contract: get_dataloader(path, batch_size, samples) yields input batches.
tf2aif also passes split="calibration" or "verification" to loaders that accept it; held-out
images (never seen in training) are used for verification and accuracy.
"""

import numpy as np
from sklearn.datasets import load_digits

HELD_OUT = 0.3


def _split():
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[..., None]  # [N, 8, 8, 1] in [0, 1]
    order = np.random.default_rng(0).permutation(len(images))
    cut = int(len(images) * (1 - HELD_OUT))
    train, test = order[:cut], order[cut:]
    return (images[train], digits.target[train]), (images[test], digits.target[test])


def training_set():
    return _split()[0]


def held_out_set():
    return _split()[1]


def get_dataloader(path, batch_size, samples, split="calibration"):
    images, labels = training_set() if split == "calibration" else held_out_set()
    images, labels = images[:samples], labels[:samples]
    for start in range(0, len(images), batch_size):
        yield images[start : start + batch_size], labels[start : start + batch_size]
