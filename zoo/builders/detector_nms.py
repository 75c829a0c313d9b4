"""A small single-shot detector with its post-processing in the serving signature: a conv backbone predicts a
box and class scores per anchor, and tf.image.combined_non_max_suppression picks the detections, as exported
detection models (TF Object Detection API, KerasCV) do. A plain tf.Module around a Keras backbone."""

import tensorflow as tf

L = tf.keras.layers


class Detector(tf.Module):
    def __init__(self, size: int, classes: int, max_detections: int):
        super().__init__()
        image = tf.keras.Input(shape=(size, size, 3))
        x = L.Conv2D(16, 3, strides=2, padding="same", activation="relu")(image)
        x = L.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
        boxes = L.Conv2D(4, 1, activation="sigmoid")(x)
        scores = L.Conv2D(classes, 1, activation="sigmoid")(x)
        self.backbone = tf.keras.Model(image, [boxes, scores])
        self.max_detections = max_detections
        self.size = size

    @tf.function(input_signature=[tf.TensorSpec([None, 64, 64, 3], tf.float32, name="image")])
    def detect(self, image):
        boxes, scores = self.backbone(image, training=False)
        batch = tf.shape(image)[0]
        # each anchor's (cy, cx, h, w) in [0, 1] as (y1, x1, y2, x2)
        centre, extent = boxes[..., :2], boxes[..., 2:] * 0.5
        corners = tf.concat([centre - extent / 2, centre + extent / 2], axis=-1)
        nms = tf.image.combined_non_max_suppression(
            tf.reshape(corners, [batch, -1, 1, 4]),
            tf.reshape(scores, [batch, -1, scores.shape[-1]]),
            max_output_size_per_class=self.max_detections,
            max_total_size=self.max_detections,
            iou_threshold=0.5,
            score_threshold=0.0,
        )
        return {"boxes": nms.nmsed_boxes, "scores": nms.nmsed_scores, "classes": nms.nmsed_classes, "count": nms.valid_detections}


def build(size: int = 64, classes: int = 3, max_detections: int = 10):
    module = Detector(size, classes, max_detections)
    return module, {"serving_default": module.detect}
