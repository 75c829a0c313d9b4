"""GPU/AGX adapters on a CPU-only machine: FP16 ONNX, TensorRT calibration table + INT8 QDQ emulation, provider choice."""

import numpy as np
import pytest

from job_support import make_job, random_draw
from tf2aif_toolchain.artifact import write_meta
from tf2aif_toolchain.errors import ToolchainError
from tf2aif_toolchain.job import TensorSpec
from tf2aif_toolchain.quantizers import onnx_fp16, tensorrt_calibration
from tf2aif_toolchain.runtimes import onnxruntime as ort_runtime
from tf2aif_toolchain.steps.metrics import cosine_per_sample

BATCH = 4
INPUTS = [{"name": "image", "shape": [None, 8, 8, 3], "dtype": "float32"}]
NVIDIA = {"platform": "gpu", "runtime": "onnxruntime-tensorrt"}


def job(tmp, step, out, **options):
    return make_job(
        step,
        tmp,
        out,
        {
            "variant": "tiny-gpu",
            "inputs": INPUTS,
            "batchSize": BATCH,
            "calibration": {"random": True},
            **NVIDIA,
            **options,
        },
    )


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """A tiny conv net, exported as a SavedModel and converted by the ONNX converter at batch 4."""
    from tf2aif_toolchain.converters import onnx as onnx_converter
    from tf2aif_toolchain.env import import_tensorflow

    tf = import_tensorflow()
    tf.keras.utils.set_random_seed(0)
    tmp = tmp_path_factory.mktemp("nvidia")
    x = tf.keras.Input((8, 8, 3), name="image")
    y = tf.keras.layers.Conv2D(8, 3, activation="relu")(x)
    y = tf.keras.layers.MaxPooling2D()(y)
    y = tf.keras.layers.Flatten()(y)
    y = tf.keras.layers.Dense(16, activation="relu")(y)
    y = tf.keras.layers.Dense(4)(y)  # logits: cosine on them is a sharper check than on softmax outputs
    tf.keras.Model(x, y).export(str(tmp / "saved_model"), verbose=False)

    convert_dir = tmp / "convert"
    convert_dir.mkdir()
    meta = onnx_converter.convert(job(tmp, "convert", convert_dir, precision="fp32"), tmp / "saved_model", convert_dir)
    write_meta(convert_dir, {**meta, **NVIDIA, "precision": "fp32"})
    return tmp


def calibration_samples():
    specs = [TensorSpec.parse(raw, "inputs") for raw in INPUTS]
    return random_draw(specs, 10, seed=0)  # 10 samples at batch 4: the last batch is padded


def run_quantizer(tmp, module, precision, name):
    out = tmp / name
    out.mkdir(exist_ok=True)
    j = job(tmp, "quantize", out, precision=precision, quantizer=module.__name__.rsplit(".", 1)[1])
    meta = module.quantize(j, tmp / "saved_model", tmp / "convert", calibration_samples(), out)
    return out, {**meta, **NVIDIA, "precision": precision}


def fp32_outputs(tmp, batch):
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp / "convert/model.onnx"), providers=["CPUExecutionProvider"])
    return session.run(None, batch)[0]


def random_batch(seed):
    return {"image": np.random.default_rng(seed).random((BATCH, 8, 8, 3), dtype=np.float32)}


@pytest.fixture(scope="module")
def int8(converted):
    return run_quantizer(converted, tensorrt_calibration, "int8", "int8")


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.delenv("TF2AIF_REQUIRE_GPU", raising=False)
    monkeypatch.setattr("onnxruntime.get_available_providers", lambda: ["CPUExecutionProvider"])


def test_fp16_model_has_half_weights_float_io_and_matches_fp32(converted, cpu_only):
    import onnx

    out, meta = run_quantizer(converted, onnx_fp16, "fp16", "fp16")
    model = onnx.load(str(out / meta["artifact"]))
    onnx.checker.check_model(model)  # nodes topologically sorted again after the converter's Casts
    assert any(t.data_type == onnx.TensorProto.FLOAT16 for t in model.graph.initializer)
    assert not any(t.data_type == onnx.TensorProto.FLOAT for t in model.graph.initializer)
    io = list(model.graph.input) + list(model.graph.output)
    assert all(v.type.tensor_type.elem_type == onnx.TensorProto.FLOAT for v in io)

    runner = ort_runtime.load(out, meta)
    batch = random_batch(1)
    got = runner.run(batch)["output_0"]
    assert got.dtype == np.float32
    assert cosine_per_sample(fp32_outputs(converted, batch), got).min() > 0.999
    assert "FP16" in runner.description and "no CUDA/TensorRT" in runner.description


def read_flatbuffers_table(path):
    from onnxruntime.quantization.CalTableFlatBuffers.TrtTable import TrtTable

    table = TrtTable.GetRootAsTrtTable(bytearray(path.read_bytes()), 0)
    return {table.Dict(i).Key().decode(): float(table.Dict(i).Value()) for i in range(table.DictLength())}


def observed_max_abs(model_path, tensors):
    """max |x| of every tensor over the calibration samples, by running the FP32 graph with all of them as outputs."""
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(model_path))
    known = {o.name for o in model.graph.output}
    model.graph.output.extend(onnx.helper.make_tensor_value_info(t, onnx.TensorProto.FLOAT, None) for t in tensors - known)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    found = {"image": 0.0, **{n: 0.0 for n in names}}
    for batch, _ in calibration_samples().batches(BATCH):
        found["image"] = max(found["image"], float(np.abs(batch["image"]).max()))
        for name, value in zip(names, session.run(names, batch)):
            found[name] = max(found[name], float(np.abs(value).max()))
    return found


def test_calibration_table_has_a_range_for_every_graph_tensor(converted, int8):
    import onnx

    out, meta = int8
    assert meta["artifact"] == "model.onnx" and meta["calibrationTable"] == "calibration.flatbuffers"
    assert meta["cpuEmulation"] == "model.int8.qdq.onnx"
    for name in [meta["artifact"], meta["cpuEmulation"], *meta["calibrationFiles"].values()]:
        assert (out / name).is_file(), name
    # the deployed artifact is the FP32 graph itself: TensorRT quantizes it with the table
    assert (out / "model.onnx").read_bytes() == (converted / "convert/model.onnx").read_bytes()

    table = read_flatbuffers_table(out / meta["calibrationTable"])
    graph = onnx.load(str(out / "model.onnx")).graph
    float_outputs = {o for n in graph.node for o in n.output if n.op_type not in ("Shape", "Constant")}
    assert {"image", "output_0"} <= set(table)
    assert float_outputs <= set(table), float_outputs - set(table)
    assert meta["calibratedTensors"] == len(table)
    assert all(np.isfinite(v) and v > 0 for v in table.values())
    # min-max, made symmetric as TensorRT wants it: the range is the largest |value| the tensor took
    assert table == pytest.approx(observed_max_abs(out / "model.onnx", float_outputs), rel=1e-5)

    text = dict(line.rsplit(" ", 1) for line in (out / "calibration.cache").read_text().splitlines())
    assert {k: pytest.approx(float(v), rel=1e-6) for k, v in text.items()} == table


def test_cpu_emulation_is_int8_and_close_to_fp32(converted, int8, cpu_only):
    import onnx

    out, meta = int8
    ops = [n.op_type for n in onnx.load(str(out / meta["cpuEmulation"])).graph.node]
    assert ops.count("QuantizeLinear") >= 3 and "DequantizeLinear" in ops

    runner = ort_runtime.load(out, meta)
    assert runner.model_path.name == meta["cpuEmulation"]
    assert "INT8 emulated with QDQ from the TensorRT calibration table" in runner.description
    for seed in (1, 2):
        batch = random_batch(seed)
        ref, got = fp32_outputs(converted, batch), runner.run(batch)["output_0"]
        assert cosine_per_sample(ref, got).min() > 0.95
        assert np.abs(ref - got).max() > 0  # quantized for real, not the FP32 graph again


def test_provider_order_and_tensorrt_options(int8, tmp_path):
    out, meta = int8
    trt, cuda, cpu = "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"
    assert ort_runtime.choose_providers([cpu], meta, out, tmp_path) == [cpu]

    providers = ort_runtime.choose_providers([cpu, "AzureExecutionProvider", cuda, trt], meta, out, tmp_path)
    assert [p if isinstance(p, str) else p[0] for p in providers] == [trt, cuda, cpu]
    options = providers[0][1]
    assert options["trt_int8_enable"] == "True" and options["trt_fp16_enable"] == "False"
    assert options["trt_int8_calibration_table_name"] == "calibration.flatbuffers"
    assert options["trt_int8_use_native_calibration_table"] == "False"
    assert options["trt_engine_cache_path"] == str(tmp_path)
    assert (tmp_path / "calibration.flatbuffers").read_bytes() == (out / "calibration.flatbuffers").read_bytes()

    fp16 = ort_runtime.tensorrt_options({**meta, "precision": "fp16", "calibrationTable": None}, out, tmp_path)
    assert fp16["trt_fp16_enable"] == "True" and "trt_int8_enable" not in fp16


def test_listed_but_unusable_gpu_provider_falls_back_to_cpu_emulation(int8, monkeypatch):
    # a CPU build of onnxruntime ignores CUDA in the provider list: the session ends up on the CPU
    monkeypatch.delenv("TF2AIF_REQUIRE_GPU", raising=False)
    monkeypatch.setattr("onnxruntime.get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    out, meta = int8
    runner = ort_runtime.load(out, meta)
    assert runner.provider == "CPUExecutionProvider" and runner.model_path.name == meta["cpuEmulation"]

    monkeypatch.setenv("TF2AIF_REQUIRE_GPU", "1")
    with pytest.raises(ToolchainError, match=r"TF2AIF_REQUIRE_GPU=1 .* the session runs on \['CPUExecutionProvider'\]"):
        ort_runtime.load(out, meta)


def test_require_gpu_fails_clearly_without_nvidia_providers(int8, cpu_only, monkeypatch):
    out, meta = int8
    monkeypatch.setenv("TF2AIF_REQUIRE_GPU", "1")
    with pytest.raises(ToolchainError, match="no CUDA or TensorRT execution provider") as err:
        ort_runtime.load(out, meta)
    assert "unset TF2AIF_REQUIRE_GPU" in str(err.value)
    # variants for other hardware (Vitis AI QDQ models) still run on the CPU
    runner = ort_runtime.load(out, {"artifact": meta["cpuEmulation"], "precision": "int8", "runtime": "vitis-ai"})
    assert runner.provider == "CPUExecutionProvider"


def test_non_onnx_convert_output_is_a_clear_error(tmp_path):
    convert_dir = tmp_path / "convert"
    convert_dir.mkdir()
    (convert_dir / "model.tflite").write_bytes(b"x")
    write_meta(convert_dir, {"artifact": "model.tflite", "format": "tflite"})
    j = job(tmp_path, "quantize", tmp_path, precision="int8", quantizer="tensorrt_calibration")
    with pytest.raises(ToolchainError, match="needs an ONNX model"):
        tensorrt_calibration.quantize(j, tmp_path, convert_dir, calibration_samples(), tmp_path)


def test_unknown_calibration_method_is_rejected(tmp_path):
    j = job(tmp_path, "quantize", tmp_path, precision="int8", calibration={"random": True, "method": "kl"})
    with pytest.raises(ToolchainError, match="calibration.method 'kl'"):
        tensorrt_calibration.method_of(j)


@pytest.mark.parametrize("method", ["entropy", "percentile"])
def test_histogram_methods_give_ranges_within_min_max(converted, method, tmp_path, monkeypatch):
    # ORT's entropy search is pure Python: fewer bins keep this test fast, the code path is the same
    monkeypatch.setitem(tensorrt_calibration.METHODS, "entropy", ("Entropy", {"num_bins": 256, "num_quantized_bins": 128}))
    samples = calibration_samples()
    minmax = tensorrt_calibration.calibrate(converted / "convert/model.onnx", samples, BATCH, "minmax", tmp_path)
    other = tensorrt_calibration.calibrate(converted / "convert/model.onnx", samples, BATCH, method, tmp_path)
    assert set(other) == set(minmax)
    assert all(0 < other[k] <= minmax[k] * 1.01 for k in minmax)  # histogram methods clip, never widen
