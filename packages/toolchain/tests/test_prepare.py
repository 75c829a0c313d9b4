"""Models as people export them for deployment, through the real steps: build-model prepares the graph once
(inference mode, float16 policy to float32), converters start from it, verify compares with the original."""

import json
import shutil

import numpy as np
import pytest

from job_support import variant_options
from tf2aif_toolchain.errors import ToolchainError
from tiny_models import convert_and_verify, run_step
from zoo_like_models import IMAGE, build_model, run_build_model

AUGMENTED = """
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((6, 6, 3), name="image")
    x = L.RandomFlip("horizontal")(image)
    x = L.RandomRotation(0.2)(x)
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    return tf.keras.Model(image, L.Dense(3)(L.GlobalAveragePooling2D()(x)))
"""

MIXED_FLOAT16 = """
import tensorflow as tf
L = tf.keras.layers

def build():
    tf.keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        image = tf.keras.Input((6, 6, 3), name="image")
        x = L.Conv2D(4, 3, padding="same", activation="relu")(image)
        x = L.Dense(8, activation="relu")(L.GlobalAveragePooling2D()(x))
        return tf.keras.Model(image, L.Dense(3, dtype="float32")(x))
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")
"""

DYNAMIC = """
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((None, None, 3), name="image")
    x = L.Conv2D(4, 3, padding="same", activation="relu")(image)
    return tf.keras.Model(image, L.Conv2D(2, 1)(x))
"""
DYNAMIC_INPUTS = [
    {"name": "image", "shape": [None, None, None, 3], "dtype": "float32", "shapeRange": {"min": [4, 4, 3], "opt": [8, 6, 3], "max": [12, 12, 3]}}
]


def model_json(ws, model_path: str) -> dict:
    return json.loads((ws / model_path / "model.json").read_text())


def test_augmentation_layers_are_exported_in_inference_mode_and_convert(tmp_path):
    path = build_model(tmp_path, "augmented", AUGMENTED, IMAGE)
    meta = model_json(tmp_path, path)
    assert meta["preparation"]["inferenceModeLayers"] == ["random_flip", "random_rotation"]
    for platform, converter, runtime in (("cpu", "tflite", "tflite"), ("cpu-ort", "onnx", "onnxruntime")):
        result = convert_and_verify(tmp_path, path, IMAGE, platform, converter, runtime)
        assert result["passed"] and result["outputs"]["output_0"]["minCosine"] > 0.9999


def test_a_saved_model_that_still_augments_is_refused_with_the_fix(tmp_path):
    import tensorflow as tf

    namespace = {}
    exec(AUGMENTED, namespace)  # noqa: S102 (the test's own model source)
    model = namespace["build"]()
    model.export(str(tmp_path / "exported"), format="tf_saved_model", verbose=False)  # augmentation left on
    (tmp_path / "models/aug").mkdir(parents=True)
    shutil.copytree(tmp_path / "exported", tmp_path / "models/aug/saved_model")
    del tf
    with pytest.raises(ToolchainError, match=r"change from call to call .*random_flip.*training=False"):
        run_build_model(tmp_path, "aug", IMAGE, {"format": "savedmodel", "path": "saved_model", "seed": 0})


def test_a_mixed_float16_model_converts_from_its_float32_preparation(tmp_path):
    path = build_model(tmp_path, "mixed", MIXED_FLOAT16, IMAGE)
    meta = model_json(tmp_path, path)
    assert meta["convertFrom"] == "prepared_model" and meta["preparation"]["float16NodesToFloat32"] > 0
    result = convert_and_verify(tmp_path, path, IMAGE, "cpu", "tflite", "tflite")
    assert result["passed"]  # against the float16 original: the float32 compute is at least as exact


def test_a_plain_model_is_not_prepared(tmp_path):
    path = build_model(
        tmp_path, "plain", AUGMENTED.replace('L.RandomFlip("horizontal")(image)', "image").replace("L.RandomRotation(0.2)(x)", "x"), IMAGE
    )
    meta = model_json(tmp_path, path)
    assert meta["convertFrom"] == "saved_model" and not (tmp_path / path / "prepared_model").exists()


@pytest.mark.parametrize(
    "platform, converter, runtime", [("cpu", "tflite", "tflite"), ("cpu-ort", "onnx", "onnxruntime"), ("cpu-ov", "openvino", "openvino")]
)
def test_unknown_height_and_width_verify_at_min_opt_and_max(tmp_path, platform, converter, runtime):
    path = build_model(tmp_path, "fcn", DYNAMIC, DYNAMIC_INPUTS)
    assert model_json(tmp_path, path)["flopsPerSample"] > 0  # counted at the opt shape
    result = convert_and_verify(tmp_path, path, DYNAMIC_INPUTS, platform, converter, runtime, task="segmentation")
    assert result["passed"]
    assert [g["image"] for g in result["inputShapes"]] == [[8, 6, 3], [4, 4, 3], [12, 12, 3]]
    assert result["samples"] == 8
    assert np.isclose(result["outputs"]["output_0"]["iouAgreement"], 1.0)


def test_a_dpu_variant_fixes_unknown_dimensions_at_opt_and_verifies_there(tmp_path):
    path = build_model(tmp_path, "fcn", DYNAMIC, DYNAMIC_INPUTS)
    options = variant_options(path, "alveo", runtime="vitis-ai", task="segmentation")
    run_step("convert", tmp_path, tmp_path / "c", DYNAMIC_INPUTS, precision="fp32", converter="onnx", **options)
    run_step("quantize", tmp_path, tmp_path / "q", DYNAMIC_INPUTS, precision="int8", quantizer="vitis_pow2", convertPath="c", **options)
    meta = json.loads((tmp_path / "q" / "artifact.json").read_text())
    assert meta["fixedShapes"] == {"image": [1, 8, 6, 3]} and "opt" in meta["fixedShapesReason"]
    assert sorted(p.name for p in (tmp_path / "q").iterdir()) == ["artifact.json", "model.onnx"]
    run_step(
        "verify", tmp_path, tmp_path / "v", DYNAMIC_INPUTS, precision="int8", executor="onnxruntime", artifactPath="q", convertPath="c", **options
    )
    result = json.loads((tmp_path / "v" / "verify.json").read_text())
    assert "inputShapes" not in result and result["samples"] == 8  # one shape: the fixed one


def test_the_native_tensorflow_baseline_serves_the_original_not_the_preparation(tmp_path):
    path = build_model(tmp_path, "mixed", MIXED_FLOAT16, IMAGE)
    options = variant_options(path, "cpu-tf", runtime="tensorflow")
    run_step("convert", tmp_path, tmp_path / "c", IMAGE, precision="fp32", converter="savedmodel", **options)
    original = (tmp_path / path / "saved_model" / "saved_model.pb").read_bytes()
    assert (tmp_path / "c" / "saved_model" / "saved_model.pb").read_bytes() == original
