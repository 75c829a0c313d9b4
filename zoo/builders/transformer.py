"""Transformer encoders: token ids (a text classifier) or image patches (a tiny ViT), with MultiHeadAttention,
LayerNormalization and a GELU feed-forward (exact erf form, or the tanh approximation)."""

import tensorflow as tf

L = tf.keras.layers


class PositionEmbedding(L.Layer):
    """A learned position table added to the sequence (a weight the layer holds)."""

    def build(self, shape):
        self.table = self.add_weight(shape=(shape[1], shape[2]), initializer="random_normal", name="table")

    def call(self, x):
        return x + self.table


def _encoder(x, dim: int, heads: int, approximate: bool):
    attended = L.MultiHeadAttention(heads, dim // heads)(x, x)
    x = L.LayerNormalization(epsilon=1e-6)(x + attended)
    hidden = L.Dense(dim * 2, activation=lambda t: tf.keras.activations.gelu(t, approximate=approximate))(x)
    return L.LayerNormalization(epsilon=1e-6)(x + L.Dense(dim)(hidden))


def build(
    inputs: str = "tokens",
    approximate: bool = False,
    vocab: int = 1000,
    length: int = 32,
    dim: int = 64,
    heads: int = 4,
    blocks: int = 2,
    classes: int = 4,
    image: int = 32,
    patch: int = 4,
):
    if inputs == "tokens":
        entry = tf.keras.Input(shape=(length,), dtype="int32", name="tokens")
        x = L.Embedding(vocab, dim)(entry)
    else:
        entry = tf.keras.Input(shape=(image, image, 3), name="image")
        x = L.Conv2D(dim, patch, strides=patch)(entry)
        x = L.Reshape(((image // patch) ** 2, dim))(x)
    x = PositionEmbedding()(x)
    for _ in range(blocks):
        x = _encoder(x, dim, heads, approximate)
    x = L.GlobalAveragePooling1D()(x)
    return tf.keras.Model(entry, L.Dense(classes, name="logits")(x))
