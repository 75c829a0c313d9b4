"""ResNet50 (Keras applications architecture), ImageNet-shaped, seeded random weights, logits output.

No weights are downloaded: weights=None gives the architecture with seeded random initialisation.
Two changes make the random network behave like a trained one numerically, so its quantized
variants are measured on realistic activations rather than on degenerate ones:
- BatchNorm statistics are set from one pass over seeded random images (data-dependent init);
  with the default statistics the activations shrink layer by layer (MobileNetV2 ends near 1e-11).
- The head outputs logits: random weights make all 1000 softmax probabilities about 0.001, below
  the 1/256 step of an INT8 softmax, so every full-integer variant would output zeros. Clients (or a
  postprocess hook) apply softmax; arg-max, and so top-1, is the same either way.
"""
import numpy as np
import tensorflow as tf


def init_batchnorm_statistics(model, images):
    """One training-mode pass with momentum 0 and a zero learning rate: only the BN statistics change."""
    for layer in model.layers:
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            layer.momentum = 0.0
    model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    model.fit(images, model.predict(images, verbose=0), batch_size=len(images), epochs=1, verbose=0)


def build():
    image = tf.keras.Input(shape=(224, 224, 3), name="image")
    model = tf.keras.applications.ResNet50(weights=None, input_tensor=image, classes=1000, classifier_activation=None)
    init_batchnorm_statistics(model, np.random.default_rng(0).random((16, 224, 224, 3), dtype=np.float32))
    return model
