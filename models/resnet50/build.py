"""ResNet50 (Keras applications architecture), ImageNet-shaped, seeded random weights, logits output.

No weights are downloaded; BatchNorm statistics come from one pass over seeded random images, so activations
have a trained network's scale (tf2aif_toolchain.model_init.keras_application says why logits).
"""

from tf2aif_toolchain.model_init import keras_application


def build():
    return keras_application("ResNet50")
