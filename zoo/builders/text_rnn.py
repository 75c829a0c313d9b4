"""Recurrent text classifiers over integer token ids: LSTM or GRU, optionally bidirectional, stacked or masked."""

import tensorflow as tf

L = tf.keras.layers
CELLS = {"lstm": L.LSTM, "gru": L.GRU}


def build(
    cell: str = "lstm",
    bidirectional: bool = False,
    mask_zero: bool = False,
    stacked: bool = False,
    vocab: int = 2000,
    length: int = 40,
    units: int = 32,
    classes: int = 4,
):
    tokens = tf.keras.Input(shape=(length,), dtype="int32", name="tokens")
    x = L.Embedding(vocab, 32, mask_zero=mask_zero)(tokens)
    layers = [CELLS[cell](units, return_sequences=True)] if stacked else []
    layers.append(CELLS[cell](units))
    for rnn in layers:
        x = (L.Bidirectional(rnn) if bidirectional else rnn)(x)
    logits = L.Dense(classes, name="logits")(x)
    return tf.keras.Model(tokens, logits, name=f"{cell}_text")
