"""A detector-shaped CNN with two named outputs (a dict): class logits and a box regression."""

import numpy as np
import tensorflow as tf

from tf2aif_toolchain.model_init import init_batchnorm_statistics

L = tf.keras.layers


def build(size: int = 64, classes: int = 10):
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    x = image
    for filters in (16, 32, 64):
        x = L.Conv2D(filters, 3, strides=2, padding="same", use_bias=False)(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
    x = L.GlobalAveragePooling2D()(x)
    outputs = {"class_logits": L.Dense(classes, name="class_logits")(x), "box": L.Dense(4, name="box")(x)}
    model = tf.keras.Model(image, outputs, name="two_heads")
    init_batchnorm_statistics(model, np.random.default_rng(0).random((16, size, size, 3), dtype=np.float32))
    return model
