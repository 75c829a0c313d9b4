"""A small CNN trained on scikit-learn's digits, so its accuracy (and an INT8 variant's) is real."""

import tensorflow as tf
from digits_data import held_out_set, training_set


def build():
    images, labels = training_set()
    inputs = tf.keras.Input(shape=(8, 8, 1), name="image")
    x = tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
    x = tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = tf.keras.layers.MaxPooling2D()(x)
    x = tf.keras.layers.Flatten()(x)
    x = tf.keras.layers.Dense(64, activation="relu")(x)
    outputs = tf.keras.layers.Dense(10, activation="softmax", name="probabilities")(x)
    model = tf.keras.Model(inputs, outputs, name="digits_cnn")
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(images, labels, epochs=25, batch_size=32, verbose=0)
    test_images, test_labels = held_out_set()
    _, accuracy = model.evaluate(test_images, test_labels, verbose=0)
    print(f"digits CNN: held-out accuracy {accuracy:.4f} on {len(test_labels)} images")
    return model
