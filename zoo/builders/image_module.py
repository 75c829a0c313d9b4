"""A plain tf.Module (no Keras) with its own serving signature: uint8 pixels in, tf.image preprocessing
(convert, resize, per-image standardization), a conv and a dense layer written with tf.nn, scores out."""

import tensorflow as tf


class ImageScorer(tf.Module):
    def __init__(self, size: int = 64, classes: int = 5):
        super().__init__()
        init = tf.random.stateless_normal
        self.size = size
        self.kernel = tf.Variable(init((3, 3, 3, 16), seed=(1, 2)) * 0.2, name="kernel")
        self.dense = tf.Variable(init((16, classes), seed=(3, 4)) * 0.2, name="dense")
        self.bias = tf.Variable(tf.zeros((classes,)), name="bias")

    @tf.function(input_signature=[tf.TensorSpec([None, 96, 96, 3], tf.uint8, name="pixels")])
    def serve(self, pixels):
        x = tf.image.convert_image_dtype(pixels, tf.float32)
        x = tf.image.resize(x, (self.size, self.size), method="bilinear")
        x = tf.image.per_image_standardization(x)
        x = tf.nn.relu(tf.nn.conv2d(x, self.kernel, strides=2, padding="SAME"))
        x = tf.reduce_mean(x, axis=[1, 2])
        return {"scores": tf.matmul(x, self.dense) + self.bias}


def build():
    module = ImageScorer()
    return module, {"serving_default": module.serve}
