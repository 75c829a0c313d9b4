"""A compact UNet for road segmentation (TF2AIF's latency-focused example), seeded random weights."""

import tensorflow as tf

L = tf.keras.layers


def _block(x, filters):
    x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return L.Conv2D(filters, 3, padding="same", activation="relu")(x)


def build(size=256, base=16, depth=4):
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    skips, x = [], image
    for level in range(depth):
        x = _block(x, base * 2**level)
        skips.append(x)
        x = L.MaxPooling2D()(x)
    x = _block(x, base * 2**depth)
    for level in reversed(range(depth)):
        x = L.Conv2DTranspose(base * 2**level, 2, strides=2, padding="same")(x)
        x = L.Concatenate()([x, skips[level]])
        x = _block(x, base * 2**level)
    mask = L.Conv2D(2, 1, activation="softmax", name="mask")(x)  # background / road
    return tf.keras.Model(image, mask, name="unet")
