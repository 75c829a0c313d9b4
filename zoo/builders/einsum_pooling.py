"""Attention pooling written with einsum over a sequence of feature vectors: scores per step, a softmax over
the steps, then a weighted sum ('bsd,bs->bd'), as set and sequence encoders often do."""

import tensorflow as tf

L = tf.keras.layers


class AttentionPooling(L.Layer):
    def build(self, shape):
        self.query = self.add_weight(name="query", shape=(shape[-1],), initializer="glorot_uniform")

    def call(self, x):
        scores = tf.keras.ops.einsum("bsd,d->bs", x, self.query)
        weights = tf.keras.ops.softmax(scores, axis=-1)
        return tf.keras.ops.einsum("bsd,bs->bd", x, weights)


def build(steps: int = 16, features: int = 24, classes: int = 6):
    sequence = tf.keras.Input(shape=(steps, features), name="features")
    x = L.Dense(32, activation="relu")(sequence)
    x = AttentionPooling()(x)
    return tf.keras.Model(sequence, L.Dense(classes, name="logits")(x), name="einsum_pooling")
