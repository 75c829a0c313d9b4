"""A model with a registered custom layer (keras.saving.register_keras_serializable) with its own weights and
math, exported as a SavedModel: the layer's class is not needed to load it."""

import tensorflow as tf

L = tf.keras.layers


@tf.keras.utils.register_keras_serializable(package="zoo")
class ScaledSwish(L.Layer):
    def build(self, shape):
        self.beta = self.add_weight(name="beta", shape=(shape[-1],), initializer="ones")

    def call(self, x):
        return x * tf.keras.ops.sigmoid(self.beta * x)


def build(size: int = 32, classes: int = 10):
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    x = L.Conv2D(16, 3, strides=2, padding="same")(image)
    x = ScaledSwish()(x)
    x = L.Conv2D(32, 3, strides=2, padding="same")(x)
    x = ScaledSwish()(x)
    x = L.GlobalAveragePooling2D()(x)
    return tf.keras.Model(image, L.Dense(classes, name="logits")(x), name="custom_layer")
