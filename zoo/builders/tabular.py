"""Two inputs of different dtypes: float features and an integer category id embedded by a lookup table."""

import tensorflow as tf

L = tf.keras.layers


def build(features: int = 20, categories: int = 50, classes: int = 3):
    numeric = tf.keras.Input(shape=(features,), name="features")
    category = tf.keras.Input(shape=(1,), dtype="int32", name="category")
    embedded = L.Flatten()(L.Embedding(categories, 8)(category))
    x = L.Concatenate()([L.Dense(32, activation="relu")(numeric), embedded])
    x = L.Dense(32, activation="relu")(x)
    return tf.keras.Model([numeric, category], L.Dense(classes, name="logits")(x), name="tabular")
