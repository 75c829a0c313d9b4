"""A CNN built under Keras' mixed_float16 policy, as models trained with mixed precision are saved: float16
Conv2D/MatMul/BiasAdd inside, float32 at the input and at the head (the policy's usual float32 output layer)."""

import tensorflow as tf

L = tf.keras.layers


def build(size: int = 32, classes: int = 10):
    previous = tf.keras.mixed_precision.global_policy()
    tf.keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        image = tf.keras.Input(shape=(size, size, 3), name="image")
        x = image
        for filters in (16, 32):
            x = L.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
            x = L.BatchNormalization()(x)
        x = L.GlobalAveragePooling2D()(x)
        x = L.Dense(32, activation="relu")(x)
        logits = L.Dense(classes, dtype="float32", name="logits")(x)
        return tf.keras.Model(image, logits, name="mixed_float16")
    finally:
        tf.keras.mixed_precision.set_global_policy(previous)
