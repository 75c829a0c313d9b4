"""A CNN saved with its training-time augmentation layers (RandomFlip, RandomRotation, RandomZoom,
RandomContrast) kept in the model, as many exported models are: they do nothing at inference, yet their ops and
seed-state variables stay in the SavedModel."""

import tensorflow as tf

L = tf.keras.layers


def build(size: int = 48, classes: int = 10):
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    x = L.RandomFlip("horizontal")(image)
    x = L.RandomRotation(0.1)(x)
    x = L.RandomZoom(0.1)(x)
    x = L.RandomContrast(0.2)(x)
    for filters in (16, 32):
        x = L.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    return tf.keras.Model(image, L.Dense(classes, name="logits")(x), name="augmentation_cnn")
