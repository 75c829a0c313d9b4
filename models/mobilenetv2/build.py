"""MobileNetV2 (Keras applications architecture), ImageNet-shaped, seeded random weights, logits output.

No weights are downloaded: weights=None gives the architecture with seeded random initialisation. The head
outputs logits: random weights make all 1000 softmax probabilities about 0.001, below the 1/256 step of an
INT8 softmax, so every full-integer variant would output zeros; clients (or a postprocess hook) apply
softmax, and arg-max (top-1) is the same either way. BatchNorm statistics come from one pass over seeded
random images, so activations have a trained network's scale (see tf2aif_toolchain.model_init).
"""
import numpy as np
import tensorflow as tf

from tf2aif_toolchain.model_init import init_batchnorm_statistics


def build():
    image = tf.keras.Input(shape=(224, 224, 3), name="image")
    model = tf.keras.applications.MobileNetV2(weights=None, input_tensor=image, classes=1000, classifier_activation=None)
    init_batchnorm_statistics(model, np.random.default_rng(0).random((16, 224, 224, 3), dtype=np.float32))
    return model
