"""Platform cpu-int8 (x86-64 CPU, INT8 OpenVINO IR quantized by NNCF):
openvino -> nncf_ov_int8 -> openvino on a tiny Keras model, through the same steps the Nx targets run.
Scaffolded by `nx g @tf2aif/nx:platform cpu-int8`, then filled in: the weights really are INT8 in the IR, the
CPU plugin runs the layers in INT8, outputs stay close to FP32, the preset follows the activations, and
misuse fails with a message.
Run: PYTHONPATH=packages/toolchain TF_ENABLE_ONEDNN_OPTS=0 .tf2aif/venv/bin/python -m pytest packages/toolchain/tests/test_cpu_int8_platform.py
"""

import json
import platform
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere
sys.path.insert(0, str(Path(__file__).resolve().parent))

from job_support import make_job, random_draw  # noqa: E402
from tf2aif_toolchain.errors import ToolchainError  # noqa: E402
from tf2aif_toolchain.steps.metrics import cosine_per_sample  # noqa: E402
from tiny_models import build_source, build_tiny_model, input_specs, run_step  # noqa: E402

PLATFORM = "cpu-int8"
RUNTIME = "openvino"
CONVERTER = "openvino"
EXECUTOR = "openvino"
COMPILER = None
# precision -> quantizer module, or "none" for the converter's FP32 output
PRECISIONS = {"int8": "nncf_ov_int8"}
BATCH_SIZE = 1

INPUTS = input_specs((8, 8, 1))


def run(step, ws, out, **options):
    return run_step(step, ws, out, INPUTS, **options)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    build_tiny_model(ws, (8, 8, 1))
    return ws


def variant(precision, **extra):
    return {
        "variant": f"tiny-{PLATFORM}",
        "platform": PLATFORM,
        "runtime": RUNTIME,
        "precision": precision,
        "batchSize": BATCH_SIZE,
        "task": "classification",
        "trained": False,
        "modelPath": "dist/models/tiny",
        "calibration": {"random": True, "samples": 16, "batchSize": 4},
        "verify": {"samples": 16, "seed": 0, "tolerances": {}},
        **extra,
    }


@pytest.mark.parametrize("precision", sorted(PRECISIONS))
def test_converts_quantizes_and_verifies(workspace, precision):
    ws = workspace
    v = ws / "v" / precision
    run("convert", ws, v / "convert", **variant(precision, converter=CONVERTER))
    artifact = "convert"
    if PRECISIONS[precision] != "none":
        run("quantize", ws, v / "quantize", **variant(precision, quantizer=PRECISIONS[precision], convertPath=str(v.relative_to(ws) / "convert")))
        assert json.loads((v / "quantize/artifact.json").read_text())["precision"] == precision
        artifact = "quantize"
    run("verify", ws, v / "verify", **variant(precision, executor=EXECUTOR, artifactPath=str(v.relative_to(ws) / artifact)))
    result = json.loads((v / "verify/verify.json").read_text())
    assert result["passed"] and result["precision"] == precision


@pytest.mark.skipif(COMPILER is None, reason="the platform has no compile step")
def test_compile_runs_or_names_what_it_needs(workspace):
    ws = workspace
    precision = sorted(PRECISIONS)[0]
    artifact = "quantize" if PRECISIONS[precision] != "none" else "convert"
    if not (ws / "v" / precision / artifact / "artifact.json").is_file():
        pytest.skip("needs the artifact of test_converts_quantizes_and_verifies")
    try:
        run("compile", ws, ws / "v/compile", **variant(precision, compiler=COMPILER, artifactPath=f"v/{precision}/{artifact}"))
    except ToolchainError as e:  # no hardware toolchain here is fine, a stub is not
        assert "not implemented yet" not in str(e), str(e)


# --- cpu-int8 specifics ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def int8(workspace):
    """The tiny model as FP32 IR (convert) and INT8 IR (quantize), with the quantizer's artifact.json."""
    ws = workspace
    run("convert", ws, ws / "q/convert", **variant("int8", converter=CONVERTER))
    run("quantize", ws, ws / "q/quantize", **variant("int8", quantizer="nncf_ov_int8", convertPath="q/convert"))
    return {"convert": ws / "q/convert", "quantize": ws / "q/quantize", "meta": json.loads((ws / "q/quantize/artifact.json").read_text())}


def test_the_ir_holds_int8_weights_and_the_cpu_runs_int8_kernels(int8):
    import openvino as ov

    meta = int8["meta"]
    assert meta["format"] == "openvino-ir" and meta["artifact"] == "openvino_model" and meta["precision"] == "int8"
    assert meta["preset"] == "performance"  # ReLU CNN
    assert set(meta["toolchain"]) == {"nncf", "openvino"}
    assert meta["quantized"]["fakeQuantize"] >= 2 and meta["int8Kernels"]["computeLayers"] == 2
    if platform.machine() in ("x86_64", "AMD64"):  # what the platform is for: every conv/matmul runs in INT8
        assert meta["int8Kernels"]["int8"] == 2

    def weights(folder):
        model = ov.Core().read_model(str(folder / "openvino_model/model.xml"))
        consts = [op for op in model.get_ops() if op.get_type_name() == "Constant"]
        return {str(op.get_element_type()) for op in consts}, [op for op in consts if op.get_element_type() == ov.Type.i8]

    fp32_types, fp32_int8 = weights(int8["convert"])
    _, int8_consts = weights(int8["quantize"])
    assert fp32_int8 == []  # the FP32 IR has none
    assert len(int8_consts) == 2  # the conv kernel and the dense matrix
    assert sum(c.get_byte_size() for c in int8_consts) == 8 * 3 * 3 + 6 * 6 * 8 * 10  # one byte per weight
    assert meta["sizeBytes"] < json.loads((int8["convert"] / "artifact.json").read_text())["sizeBytes"]


def test_int8_outputs_stay_close_to_fp32_at_any_batch(int8):
    from tf2aif_toolchain.job import TensorSpec
    from tf2aif_toolchain.runtimes import openvino as ov_runtime

    fp32 = ov_runtime.load(int8["convert"], json.loads((int8["convert"] / "artifact.json").read_text()))
    quantized = ov_runtime.load(int8["quantize"], int8["meta"])
    for count in (16, 1):  # the IR keeps the dynamic batch
        batch = random_draw([TensorSpec.parse(INPUTS[0], "inputs[0]")], count, seed=99).arrays
        want, got = fp32.run(batch)["output_0"], quantized.run(batch)["output_0"]
        assert got.shape == want.shape == (count, 10) and got.dtype == np.float32
        assert cosine_per_sample(want, got).min() > 0.99
        assert np.abs(want - got).max() < 0.05
        assert not np.array_equal(want, got)  # it did quantize


def test_signed_activations_pick_the_mixed_preset(tmp_path):
    """Swish goes negative: NNCF's mixed preset (asymmetric activations) is chosen, and it still verifies."""
    ws = tmp_path
    (ws / "models/swish").mkdir(parents=True)
    (ws / "models/swish/build.py").write_text(build_source((8, 8, 1)).replace('activation="relu"', 'activation="swish"'))
    run(
        "build-model", ws, ws / "dist/models/tiny", model="swish", modelDir="models/swish", source={"format": "script", "path": "build.py", "seed": 1}
    )
    run("convert", ws, ws / "convert", **variant("int8", converter=CONVERTER))
    run("quantize", ws, ws / "quantize", **variant("int8", quantizer="nncf_ov_int8", convertPath="convert"))
    meta = json.loads((ws / "quantize/artifact.json").read_text())
    assert meta["preset"] == "mixed" and "Swish" in meta["presetReason"]
    run("verify", ws, ws / "verify", **variant("int8", executor=EXECUTOR, artifactPath="quantize"))
    assert json.loads((ws / "verify/verify.json").read_text())["passed"]


def test_refuses_another_converter_output_and_another_precision(int8, tmp_path):
    from tf2aif_toolchain.job import TensorSpec
    from tf2aif_toolchain.quantizers import nncf_ov_int8

    samples = random_draw([TensorSpec.parse(INPUTS[0], "inputs[0]")], 4, seed=0)
    tflite = tmp_path / "tflite"
    tflite.mkdir()
    (tflite / "artifact.json").write_text(json.dumps({"artifact": "model.tflite", "format": "tflite"}))
    job = make_job("quantize", tmp_path, tmp_path, {"variant": "tiny-cpu-int8", "precision": "int8"})
    with pytest.raises(ToolchainError, match=r"needs an OpenVINO IR from the convert step, but .* holds a 'tflite' artifact"):
        nncf_ov_int8.quantize(job, Path("unused"), tflite, samples, tmp_path)
    fp16 = make_job("quantize", tmp_path, tmp_path, {"variant": "tiny-cpu-int8", "precision": "fp16"})
    with pytest.raises(ToolchainError, match="makes INT8 models, not fp16"):
        nncf_ov_int8.quantize(fp16, Path("unused"), int8["convert"], samples, tmp_path)
