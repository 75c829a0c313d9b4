"""MobileNetV2 (Keras applications architecture), ImageNet-shaped, seeded random weights.

No weights are downloaded: weights=None gives the architecture with seeded random initialisation."""
import tensorflow as tf


def build():
    image = tf.keras.Input(shape=(224, 224, 3), name="image")
    return tf.keras.applications.MobileNetV2(weights=None, input_tensor=image, classes=1000)
