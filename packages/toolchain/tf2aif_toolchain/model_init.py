"""Helpers for build scripts of untrained (seeded random-weight) models."""

from __future__ import annotations

import numpy as np

from .env import import_tensorflow


def init_batchnorm_statistics(model, images: np.ndarray) -> None:
    """Data-dependent BatchNorm initialisation: one training-mode pass with momentum 0 and a zero learning
    rate, so only the BN statistics change. With the default statistics (mean 0, variance 1) a random
    network's activations shrink layer by layer (MobileNetV2 ends near 1e-11), and its quantized variants
    would be measured on degenerate numbers."""
    tf = import_tensorflow()
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            layer.momentum = 0.0
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    model.fit(images, model.predict(images, verbose=0), batch_size=len(images), epochs=1, verbose=0)


def keras_application(arch: str, size: int = 224, images: int = 16):
    """A keras.applications architecture (arch: its class name), ImageNet-shaped with an input named "image",
    weights=None (seeded random, nothing downloaded), logits out, BatchNorm statistics from `images` seeded
    random pixels in [0, 1). Logits, because random weights make all 1000 softmax probabilities about 0.001,
    below the 1/256 step of an INT8 softmax: every full-integer variant would output zeros."""
    tf = import_tensorflow()
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    model = getattr(tf.keras.applications, arch)(weights=None, input_tensor=image, classes=1000, classifier_activation=None)
    init_batchnorm_statistics(model, np.random.default_rng(0).random((images, size, size, 3), dtype=np.float32))
    return model
