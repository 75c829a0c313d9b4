"""Every architecture family of keras.applications, at its smallest size: seeded random weights, logits out.

weights=None builds the architecture offline; classifier_activation=None gives logits (a softmax over 1000
random-weight classes sits below INT8's resolution: the one model kept with its softmax head shows what a user
who exports one gets). BatchNorm statistics come from one pass over random images,
so activations have a trained network's scale rather than shrinking layer by layer.
"""

import numpy as np
import tensorflow as tf

from tf2aif_toolchain.model_init import init_batchnorm_statistics


def build(arch: str, size: int = 224, head: str | None = None, pixels: bool = False):
    """head: the classifier activation; None (logits) unless a model stands for one exported with its softmax.
    pixels: the architecture preprocesses 8-bit pixels itself (EfficientNet, MobileNetV3, ConvNeXt), so its
    BatchNorm statistics come from images in [0, 255], as a trained copy's would."""
    image = tf.keras.Input(shape=(size, size, 3), name="image")
    make = getattr(tf.keras.applications, arch)
    model = make(weights=None, input_tensor=image, classes=1000, classifier_activation=head)
    images = np.random.default_rng(0).random((8, size, size, 3), dtype=np.float32) * (255.0 if pixels else 1.0)
    init_batchnorm_statistics(model, images)
    return model
