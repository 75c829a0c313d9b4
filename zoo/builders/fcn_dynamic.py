"""A fully convolutional segmentation net exported with unknown height and width ([None, None, None, 3]), as
segmentation models are for deployment: any image size in, a class map of the same size out."""

import tensorflow as tf

L = tf.keras.layers


def build(classes: int = 4, channels: int = 3):
    image = tf.keras.Input(shape=(None, None, channels), name="image")
    x = L.Conv2D(16, 3, padding="same", activation="relu")(image)
    down = L.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
    up = L.Conv2DTranspose(16, 3, strides=2, padding="same", activation="relu")(down)
    # the up-sampled map is cropped to the input's size, so odd sizes come out as they went in
    up = L.Lambda(lambda t: t[0][:, : tf.shape(t[1])[1], : tf.shape(t[1])[2], :])([up, x])
    x = L.Concatenate()([x, up])
    return tf.keras.Model(image, L.Conv2D(classes, 1, name="mask")(x), name="fcn_dynamic")
