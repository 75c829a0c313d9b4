"""A small CNN whose first layers hold constants: Rescaling and a Normalization with fixed mean and variance,
as Keras applications' EfficientNet, ConvNeXt and RegNet do inside the model."""

import tensorflow as tf

L = tf.keras.layers


def build(size: int = 32, classes: int = 10):
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    x = L.Rescaling(2.0, offset=-1.0)(image)
    x = L.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2])(x)
    for filters in (16, 32):
        x = L.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    return tf.keras.Model(image, L.Dense(classes, name="logits")(x), name="preprocessing_cnn")
