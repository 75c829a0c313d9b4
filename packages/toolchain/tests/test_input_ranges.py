"""Integer inputs that index a table: build-model reads their valid range from the graph, data stays inside it."""

import json
import textwrap

import numpy as np
import pytest

from job_support import make_job, random_draw
from tf2aif_toolchain.data import samples_for
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import Job, TensorSpec
from tiny_models import convert_and_verify, run_step
from zoo_like_models import build_model

# "ids" feeds two tables (30 and 50 rows) through a Cast and a Reshape; "features" is a plain float input
BUILD = """
import tensorflow as tf

L = tf.keras.layers

def build():
    features = tf.keras.Input((4,), name="features")
    ids = tf.keras.Input((2,), dtype="int64", name="ids")
    as32 = L.Reshape((2, 1))(tf.keras.ops.cast(ids, "int32"))
    small = L.Flatten()(L.Embedding(30, 3, name="small_table")(as32))
    large = L.Flatten()(L.Embedding(50, 3, name="large_table")(ids))
    return tf.keras.Model([features, ids], L.Dense(2)(L.Concatenate()([features, small, large])))
"""
INPUTS = [
    {"name": "features", "shape": [None, 4], "dtype": "float32"},
    {"name": "ids", "shape": [None, 2], "dtype": "int64"},
]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    build_model(ws, "emb", BUILD, INPUTS, seed=0)
    return ws


def job(ws, inputs=INPUTS, calibration=None) -> Job:
    options = {
        "workspaceRoot": str(ws),
        "inputs": inputs,
        "modelPath": "dist/models/emb",
        "calibration": calibration or {"random": True, "samples": 200, "batchSize": 10},
    }
    return make_job("quantize", ws, ws / "out", options)


def test_build_model_writes_the_smallest_table_as_the_range(workspace):
    meta = json.loads((workspace / "dist/models/emb/model.json").read_text())
    by_name = {i["name"]: i for i in meta["inputs"]}
    assert by_name["features"] == INPUTS[0]  # float inputs keep their plain description
    assert by_name["ids"]["range"] == [0, 29]
    assert by_name["ids"]["rangeSource"] == "rows of embedding table 'small_table/embeddings'"
    assert {k: by_name["ids"][k] for k in ("name", "shape", "dtype")} == INPUTS[1]


def test_random_data_stays_inside_the_inferred_range(workspace):
    samples = samples_for(job(workspace), "calibration", 200)
    ids = samples.arrays["ids"]
    assert ids.dtype == np.int64 and ids.min() >= 0 and ids.max() <= 29 and len(np.unique(ids)) > 20
    features = samples.arrays["features"]
    assert features.min() >= 0 and features.max() < 1  # the float default is unchanged


def test_the_model_runs_on_that_data(workspace):
    result = convert_and_verify(workspace, "dist/models/emb", INPUTS, "cpu-tf", "savedmodel", "tensorflow", batchSize=4, task="other")
    assert result["passed"]


def test_the_tf2aif_json_range_wins(workspace):
    declared = [INPUTS[0] | {"range": [-2, 2]}, INPUTS[1] | {"range": [3, 5]}]
    samples = samples_for(job(workspace, declared), "calibration", 200)
    assert set(np.unique(samples.arrays["ids"])) == {3, 4, 5}
    features = samples.arrays["features"]
    assert features.min() >= -2 and features.max() < 2 and features.min() < -1.5


def test_integer_defaults_stay_inside_the_dtype():

    samples = random_draw([TensorSpec("a", (None, 64), "int8"), TensorSpec("b", (None, 64), "int32")], 50, seed=0)
    assert 0 <= samples.arrays["a"].min() and samples.arrays["a"].max() <= 127
    assert 0 <= samples.arrays["b"].min() and samples.arrays["b"].max() <= 255


def test_a_loader_id_outside_the_range_fails_naming_input_value_and_range(workspace):
    (workspace / "models/emb/data.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            def get_dataloader(path, batch_size, samples):
                for i in range(0, samples, batch_size):
                    ids = np.zeros((batch_size, 2), np.int64)
                    ids[-1, 1] = 30 if i else 0
                    yield {"features": np.zeros((batch_size, 4), np.float32), "ids": ids}
            """
        )
    )
    calibration = {"loader": "models/emb/data.py", "samples": 20, "batchSize": 10}
    with pytest.raises(ToolchainError) as failure:
        samples_for(job(workspace, calibration=calibration), "calibration", 20)
    message = str(failure.value)
    assert "input 'ids' has value 30 outside its valid range [0, 29] (rows of embedding table 'small_table/embeddings', from model.json)" in message
    assert "inputs[1].range in tf2aif.json" in message and "\n" not in message
    wider = [INPUTS[0], INPUTS[1] | {"range": [0, 40]}]
    assert samples_for(job(workspace, wider, calibration), "calibration", 20).arrays["ids"].max() == 30


def test_a_table_read_by_tf_gather_in_a_plain_module(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m/export.py").write_text(
        textwrap.dedent(
            """
            import tensorflow as tf

            class Lookup(tf.Module):
                def __init__(self):
                    self.table = tf.Variable(tf.zeros((7, 2)))

                @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.int32, name="codes")])
                def serve(self, codes):
                    return {"out": tf.gather(self.table, tf.squeeze(tf.expand_dims(codes, -1), -1))}

            def export(path):
                module = Lookup()
                tf.saved_model.save(module, path, signatures={"serving_default": module.serve})
            """
        )
    )
    import importlib.util

    spec = importlib.util.spec_from_file_location("lookup_export", tmp_path / "m/export.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.export(str(tmp_path / "m/saved"))
    inputs = [{"name": "codes", "shape": [None, 3], "dtype": "int32"}]
    run_step("build-model", tmp_path, tmp_path / "dist", inputs, model="lookup", modelDir="m", source={"format": "savedmodel", "path": "saved"})
    meta = json.loads((tmp_path / "dist/model.json").read_text())
    assert meta["inputs"][0]["range"] == [0, 6]


def test_a_bad_range_in_the_job_names_the_field():
    assert TensorSpec.parse(INPUTS[1] | {"range": [0, 9]}, "inputs[1]").range == (0, 9)
    with pytest.raises(ToolchainError, match=r"^inputs\[1\]\.range: expected \[min, max\] with min <= max, got \[5, 1\]$"):
        TensorSpec.parse(INPUTS[1] | {"range": [5, 1]}, "inputs[1]")


PIXEL_MODELS = {
    # keras.applications' EfficientNet and MobileNetV3 scale 8-bit pixels inside the model; ConvNeXt subtracts
    # ImageNet's pixel means
    "rescaling": "x = L.Rescaling(1.0 / 127.5, offset=-1.0)(image)",
    "normalization": "x = L.Normalization(mean=[124.0, 116.0, 104.0], variance=[3409.0, 3262.0, 3291.0])(image)",
    "plain": "x = image",
}


@pytest.mark.parametrize("kind", sorted(PIXEL_MODELS))
def test_an_image_input_the_model_scales_from_pixels_takes_0_to_255(tmp_path, kind):
    build = f"""
import tensorflow as tf
L = tf.keras.layers

def build():
    image = tf.keras.Input((6, 6, 3), name="image")
    {PIXEL_MODELS[kind]}
    return tf.keras.Model(image, L.Dense(2)(L.GlobalAveragePooling2D()(L.Conv2D(4, 3)(x))))
"""
    (tmp_path / "models/px").mkdir(parents=True)
    (tmp_path / "models/px/build.py").write_text(build)
    inputs = [{"name": "image", "shape": [None, 6, 6, 3], "dtype": "float32"}]
    out = run_step(
        "build-model",
        tmp_path,
        tmp_path / "dist/models/px",
        inputs,
        model="px",
        modelDir="models/px",
        source={"format": "script", "path": "build.py"},
    )
    (image,) = json.loads((out / "model.json").read_text())["inputs"]
    if kind == "plain":
        assert "range" not in image  # random data stays in [0, 1)
        return
    assert image["range"] == [0, 255] and "8-bit pixel values" in image["rangeSource"]
    job = make_job("verify", tmp_path, tmp_path, {"inputs": inputs, "modelPath": "dist/models/px", "calibration": {"random": True}})
    data = samples_for(job, "verification", 64).arrays["image"]
    assert data.min() >= 0 and data.max() < 255 and data.max() > 200
