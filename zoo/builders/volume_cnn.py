"""A 3-D CNN over a volume (a short video clip or a CT block): Conv3D, MaxPool3D, GlobalAveragePooling3D."""

import tensorflow as tf

L = tf.keras.layers


def build(depth: int = 8, size: int = 32, classes: int = 5):
    volume = tf.keras.Input(shape=(depth, size, size, 1), name="volume")
    x = L.Conv3D(8, 3, padding="same", activation="relu")(volume)
    x = L.MaxPool3D(2)(x)
    x = L.Conv3D(16, 3, padding="same", activation="relu")(x)
    x = L.MaxPool3D(2)(x)
    x = L.GlobalAveragePooling3D()(x)
    return tf.keras.Model(volume, L.Dense(classes, name="logits")(x), name="volume_cnn")
