"""ResNet50 (Keras applications architecture), ImageNet-shaped, seeded random weights.

No weights are downloaded: weights=None gives the architecture with seeded random initialisation."""
import tensorflow as tf


def build():
    image = tf.keras.Input(shape=(224, 224, 3), name="image")
    # Logits, not softmax: with random weights the 1000 probabilities are all about 0.001, below the
    # 1/256 step of an INT8 softmax output, so every full-integer variant would output zeros. Clients
    # (or a postprocess hook) apply softmax; arg-max, and so top-1, is the same either way.
    return tf.keras.applications.ResNet50(weights=None, input_tensor=image, classes=1000, classifier_activation=None)
