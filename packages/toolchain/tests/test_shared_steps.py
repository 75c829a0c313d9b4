"""The model-level shared steps, through the real steps: an export is converted once and each variant's convert
links it (no second copy); the reference step runs the original once and verify takes its outputs where its
samples are the same, and runs the original itself where they are not."""

import json
import os

import numpy as np
import pytest

from tf2aif_toolchain.errors import ToolchainError
from tiny_models import build_tiny_model, input_specs, run_step

INPUTS = input_specs((8, 8, 1))
VERIFY = {"samples": 24, "seed": 0, "tolerances": {}}
CALIBRATION = {"random": True, "samples": 16, "batchSize": 8}


def variant(name: str, platform: str, runtime: str, **extra) -> dict:
    return {
        "model": "tiny",
        "variant": f"tiny-{name}",
        "platform": platform,
        "runtime": runtime,
        "batchSize": 1,
        "task": "classification",
        "trained": False,
        "modelPath": "dist/models/tiny",
        "calibration": CALIBRATION,
        "verify": VERIFY,
        **extra,
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = tmp_path_factory.mktemp("ws")
    build_tiny_model(ws)
    run_step("export", ws, ws / "dist/shared/tiny/tflite-batch1", INPUTS, model="tiny", converter="tflite", batchSize=1, modelPath="dist/models/tiny")
    run_step(
        "reference", ws, ws / "dist/shared/tiny/reference", INPUTS, model="tiny", modelPath="dist/models/tiny", calibration=CALIBRATION, verify=VERIFY
    )
    return ws


EXPORTS = [{"runtime": "tflite", "converter": "tflite", "path": "dist/shared/tiny/tflite-batch1"}]


def calibrate(ws, quantizer: str, exports: list[dict], calibration: dict) -> str:
    """The model-level calibrate step for `quantizer` over the exports; returns its folder."""
    shared = f"dist/shared/tiny/calibrate-{quantizer}"
    options = {"model": "tiny", "modelPath": "dist/models/tiny", "calibration": calibration, "exports": exports}
    run_step("calibrate", ws, ws / shared, INPUTS, quantizer=quantizer, **options)
    return shared


def convert_and_quantize(ws, name: str, options: dict, *, converter: str, exports: list[dict], quantizer: str, executor: str, **extra) -> dict:
    """Variant `name`'s convert (from the exports) and quantize into ws/v/<name>; returns the quantize's artifact.json."""
    run_step("convert", ws, ws / f"v/{name}/convert", INPUTS, precision="fp32", converter=converter, exports=exports, **options)
    out = run_step(
        "quantize",
        ws,
        ws / f"v/{name}/quantize",
        INPUTS,
        precision="int8",
        quantizer=quantizer,
        executor=executor,
        convertPath=f"v/{name}/convert",
        **extra,
        **options,
    )
    return json.loads((out / "artifact.json").read_text())


def test_two_variants_link_one_export(ws):
    for name, platform in (("cpu", "cpu"), ("arm", "arm")):
        run_step(
            "convert",
            ws,
            ws / f"v/{name}/convert",
            INPUTS,
            precision="fp32",
            converter="tflite",
            exports=EXPORTS,
            **variant(name, platform, "tflite"),
        )
    shared = ws / "dist/shared/tiny/tflite-batch1/model.tflite"
    for name in ("cpu", "arm"):
        model = ws / f"v/{name}/convert/model.tflite"
        assert model.is_symlink() and os.path.samefile(model, shared)
        meta = json.loads((ws / f"v/{name}/convert/artifact.json").read_text())
        # the variant's own description, the export's figures
        assert meta["variant"] == f"tiny-{name}" and meta["exportedAt"] == "dist/shared/tiny/tflite-batch1"
        assert meta["sizeBytes"] == shared.stat().st_size and meta["seconds"] > 0


def test_a_fallback_runtimes_export_converts_only_where_the_export_it_stands_in_for_refused(ws):
    run_step(
        "export",
        ws,
        ws / "dist/shared/tiny/onnx-fallback",
        INPUTS,
        model="tiny",
        converter="onnx",
        batchSize=1,
        modelPath="dist/models/tiny",
        onlyIfRefused=["dist/shared/tiny/tflite-batch1"],
    )
    meta = json.loads((ws / "dist/shared/tiny/onnx-fallback/artifact.json").read_text())
    assert meta["skipped"] == "not needed: dist/shared/tiny/tflite-batch1 converted the model"
    assert sorted(p.name for p in (ws / "dist/shared/tiny/onnx-fallback").iterdir()) == ["artifact.json"]


def test_a_refused_export_is_recorded_and_a_variant_without_a_fallback_fails_naming_it(ws):
    refused = ws / "dist/shared/tiny/refused"
    refused.mkdir(parents=True)
    reason = "TFLite FP32 conversion for model tiny: the model uses op(s) Betainc that TFLite builtins cannot run"
    (refused / "artifact.json").write_text(json.dumps({"converter": "tflite", "refused": {"reason": reason, "ops": ["Betainc"]}}))
    exports = [{"runtime": "tflite", "converter": "tflite", "path": "dist/shared/tiny/refused"}]
    with pytest.raises(ToolchainError, match=r"^platform cpu: TFLite FP32 conversion for model tiny: the model uses op\(s\) Betainc"):
        run_step(
            "convert",
            ws,
            ws / "v/refused/convert",
            INPUTS,
            precision="fp32",
            converter="tflite",
            exports=exports,
            **variant("refused", "cpu", "tflite"),
        )


def verify_log(ws, capsys, name: str, **extra) -> tuple[dict, str]:
    capsys.readouterr()
    run_step(
        "verify",
        ws,
        ws / f"v/{name}/verify",
        INPUTS,
        precision="fp32",
        executor="tflite",
        artifactPath="v/cpu/convert",
        **{**variant("cpu", "cpu", "tflite"), **extra},
    )
    return json.loads((ws / f"v/{name}/verify/verify.json").read_text()), capsys.readouterr().err


def test_verify_takes_the_stored_outputs_of_the_same_samples_only(ws, capsys):
    stored, log = verify_log(ws, capsys, "stored", referencePath="dist/shared/tiny/reference")
    assert "the model's reference step's" in log
    ran, log = verify_log(ws, capsys, "ran")  # no reference step: the original runs in verify, the same figures
    assert "running the TensorFlow SavedModel" in log
    assert stored["passed"] and stored["outputs"] == ran["outputs"]
    # another draw (verify.seed changed, so the plugin's verification seed; the reference not rerun yet): never
    # another draw's outputs
    _, log = verify_log(
        ws, capsys, "other", referencePath="dist/shared/tiny/reference", seeds={"calibration": 0, "verification": 1001, "check": 2000}
    )
    assert "running the TensorFlow SavedModel" in log


def test_gpu_and_agx_share_one_tensorrt_calibration_with_an_emulation_per_batch(ws):
    """TensorRT's ranges do not depend on the batch size: calibrated once, the table linked by both variants, each
    with the CPU emulation at its own batch size (the same model a variant's own calibration writes)."""
    for batch in (1, 2):
        run_step(
            "export",
            ws,
            ws / f"dist/shared/tiny/onnx-batch{batch}",
            INPUTS,
            model="tiny",
            converter="onnx",
            batchSize=batch,
            modelPath="dist/models/tiny",
        )
    exports = [{"batchSize": b, "path": f"dist/shared/tiny/onnx-batch{b}"} for b in (2, 1)]
    shared = calibrate(ws, "tensorrt_calibration", exports, {**CALIBRATION, "method": "minmax"})
    meta = json.loads((ws / shared / "calibration-meta.json").read_text())
    # tf2onnx names this model's tensors otherwise at batch 2: a table of its own there (one where they match)
    tables = {b: meta["batches"][b]["table"] for b in ("1", "2")}
    assert tables["1"] == "batch1" and tables["2"] in ("batch1", "batch2")
    metas = {}
    for name, batch, with_shared in (("gpu", 2, True), ("agx", 1, True), ("agx-own", 1, False)):
        options = variant(name, "gpu", "onnxruntime-tensorrt", batchSize=batch)
        ex = [{"runtime": "onnxruntime-tensorrt", "converter": "onnx", "path": f"dist/shared/tiny/onnx-batch{batch}"}]
        metas[name] = convert_and_quantize(
            ws,
            name,
            options,
            converter="onnx",
            exports=ex,
            quantizer="tensorrt_calibration",
            executor="onnxruntime",
            **({"sharedCalibrationPath": shared} if with_shared else {}),
        )
    for name, batch in (("gpu", "2"), ("agx", "1")):
        table = ws / f"v/{name}/quantize/calibration.flatbuffers"
        assert table.is_symlink() and os.path.samefile(table, ws / shared / tables[batch] / "calibration.flatbuffers")
        assert metas[name]["sharedCalibration"] == shared and metas[name]["accuracyCheck"]["passed"]
    assert os.path.samefile(ws / "v/gpu/quantize/model.int8.qdq.onnx", ws / shared / "batch2/model.int8.qdq.onnx")
    # the same table and emulation as the variant's own calibration at batch 1
    own = ws / "v/agx-own/quantize"
    assert (own / "calibration.json").read_bytes() == (ws / shared / "batch1/calibration.json").read_bytes()
    assert (own / "model.int8.qdq.onnx").read_bytes() == (ws / "v/agx/quantize/model.int8.qdq.onnx").read_bytes()


def test_arm_and_cpu_tflite_int8_share_one_tflite_calibration_and_quantize_it_as_the_converter_does(ws):
    """TFLite calibrates once (calibrate-only); each variant quantizes the calibrated model with its own I/O type,
    which is what the converter does after calibrating: the same model as the variant's own full conversion (the
    same quantization of every tensor, the same outputs; the converter adds 96 bytes of conversion metadata)."""
    shared = calibrate(ws, "tflite_int8", [{"batchSize": 1, "path": "dist/shared/tiny/tflite-batch1"}], CALIBRATION)
    assert json.loads((ws / shared / "calibration-meta.json").read_text())["batches"]["1"] == {
        "scheme": "full-integer",
        "calibrated": "batch1/calibrated.tflite",
    }
    for io_type in ("uint8", "float32"):
        models = {}
        for how, extra in (("shared", {"sharedCalibrationPath": shared}), ("own", {})):
            name = f"q-{io_type}-{how}"
            options = variant(name, "arm", "tflite")
            meta = convert_and_quantize(
                ws, name, options, converter="tflite", exports=EXPORTS, quantizer="tflite_int8", executor="tflite", ioType=io_type, **extra
            )
            models[how] = ws / f"v/{name}/quantize/model.tflite"
            assert meta["ioType"] == io_type and meta["accuracyCheck"]["passed"]
            assert ("sharedCalibration" in meta) == (how == "shared")
        assert tensors(models["shared"]) == tensors(models["own"]), io_type
        assert all(np.array_equal(a, b) for a, b in zip(outputs(models["shared"], io_type), outputs(models["own"], io_type))), io_type


def tensors(model) -> list:
    from ai_edge_litert.interpreter import Interpreter

    details = Interpreter(model_path=str(model)).get_tensor_details()
    return sorted((d["name"], str(d["dtype"]), d["quantization"]) for d in details)


def outputs(model, io_type: str) -> list:
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=str(model)).get_signature_runner("serving_default")
    rng = np.random.default_rng(0)
    return [
        runner(image=rng.integers(0, 255, (1, 8, 8, 1)).astype(np.uint8) if io_type == "uint8" else rng.random((1, 8, 8, 1), dtype=np.float32))[
            "output_0"
        ]
        for _ in range(8)
    ]
