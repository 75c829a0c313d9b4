"""A 1-D CNN keyword spotter on a raw waveform (one second at 16 kHz)."""

import tensorflow as tf

L = tf.keras.layers


def build(samples: int = 16000, classes: int = 12):
    wave = tf.keras.Input(shape=(samples, 1), name="waveform")
    x = L.Conv1D(16, 80, strides=4, activation="relu")(wave)
    for filters in (32, 64, 64):
        x = L.Conv1D(filters, 3, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.MaxPooling1D(4)(x)
    x = L.GlobalAveragePooling1D()(x)
    return tf.keras.Model(wave, L.Dense(classes, name="logits")(x), name="audio_cnn")
