"""Detections from the model's own NMS compared as detections: order among near-equal scores does not count."""

import json
import shutil

import numpy as np

from tf2aif_toolchain.steps.detections import match
from tiny_models import convert_and_verify
from zoo_like_models import run_build_model

ROLES = {"boxes": "b", "scores": "s", "classes": "c", "count": "n"}


def test_two_near_equal_detections_listed_the_other_way_round_match():
    boxes = np.array([[[0, 0, 0.5, 0.5], [0.5, 0.5, 1, 1], [0, 0, 0, 0]]], np.float32)
    ref = {"b": boxes, "s": np.array([[0.5003, 0.5001, 0]], np.float32), "c": np.array([[0.0, 2.0, 0]], np.float32), "n": np.array([2])}
    got = {
        "b": boxes[:, [1, 0, 2]] + 0.001,
        "s": np.array([[0.5004, 0.5002, 0]], np.float32),
        "c": np.array([[2.0, 0.0, 0]], np.float32),
        "n": np.array([2]),
    }
    _, matched, share = match(ref, got, ROLES)
    assert share == 1.0
    assert matched["c"].tolist() == ref["c"].tolist()
    np.testing.assert_allclose(matched["b"][:, :2], ref["b"][:, :2] + 0.001, atol=1e-6)


def test_a_missing_detection_counts_against_the_variant():
    ref = {
        "b": np.array([[[0, 0, 1, 1], [0, 0, 0.2, 0.2]]], np.float32),
        "s": np.array([[0.9, 0.8]]),
        "c": np.array([[1.0, 1.0]]),
        "n": np.array([2]),
    }
    got = {"b": np.array([[[0, 0, 1, 1], [0, 0, 0, 0]]], np.float32), "s": np.array([[0.9, 0]]), "c": np.array([[1.0, 0]]), "n": np.array([1])}
    kept, matched, share = match(ref, got, ROLES)
    assert share == 0.5
    assert kept["b"][0][1].tolist() == [0, 0, 0, 0] and matched["b"][0][1].tolist() == [0, 0, 0, 0]  # compared as agreement only


DETECTOR = """
import sys
import tensorflow as tf

class Detector(tf.Module):
    def __init__(self):
        super().__init__()
        self.kernel = tf.Variable(tf.random.stateless_normal((3, 3, 3, 7), seed=(1, 2)) * 0.3)

    @tf.function(input_signature=[tf.TensorSpec([None, 16, 16, 3], tf.float32, name="image")])
    def detect(self, image):
        x = tf.nn.conv2d(image, self.kernel, strides=4, padding="SAME")
        boxes, scores = tf.sigmoid(x[..., :4]), tf.sigmoid(x[..., 4:])
        batch = tf.shape(image)[0]
        corners = tf.concat([boxes[..., :2] * 0.5, boxes[..., :2] * 0.5 + 0.3], -1)
        nms = tf.image.combined_non_max_suppression(tf.reshape(corners, [batch, -1, 1, 4]), tf.reshape(scores, [batch, -1, 3]), 5, 5, 0.5, 0.0)
        return {"boxes": nms.nmsed_boxes, "scores": nms.nmsed_scores, "classes": nms.nmsed_classes, "count": nms.valid_detections}

module = Detector()
tf.saved_model.save(module, sys.argv[1], signatures={"serving_default": module.detect})
"""


def test_a_detector_with_nms_in_its_signature_verifies_on_onnx_runtime(tmp_path):
    import subprocess
    import sys

    (tmp_path / "models/det").mkdir(parents=True)
    (tmp_path / "export.py").write_text(DETECTOR)
    subprocess.run([sys.executable, str(tmp_path / "export.py"), str(tmp_path / "models/det/saved_model")], check=True, capture_output=True)
    inputs = [{"name": "image", "shape": [None, 16, 16, 3], "dtype": "float32"}]
    model_path = run_build_model(tmp_path, "det", inputs, {"format": "savedmodel", "path": "saved_model", "seed": 0})
    model = json.loads((tmp_path / model_path / "model.json").read_text())
    assert model["nmsOutputs"] == {"boxes": "boxes", "scores": "scores", "classes": "classes", "count": "count"}
    result = convert_and_verify(tmp_path, model_path, inputs, "cpu-ort", "onnx", "onnxruntime", task="other")
    assert result["passed"] and result["detectionAgreement"] == 1.0
    shutil.rmtree(tmp_path / "models")
