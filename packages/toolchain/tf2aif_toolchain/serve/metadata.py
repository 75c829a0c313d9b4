"""Metadata documents: KServe v2 server/model metadata, and Triton's model config and statistics, which
tritonclient and perf_analyzer read (max_batch_size, dims, data_type, dynamic_batching, inference_stats)."""

from __future__ import annotations

from .config import VariantConfig
from .datatypes import triton_type
from .stats import Stats

SERVER_NAME = "tf2aif"
SERVER_VERSION = "0.1.0"
EXTENSIONS = ["binary_tensor_data", "model_configuration", "statistics"]

# the v2 "platform" names a framework and format, as Triton spells them
PLATFORM_BY_EXECUTOR = {
    "tflite": "tflite",
    "onnxruntime": "onnxruntime_onnx",
    "openvino": "openvino",
    "tensorflow": "tensorflow_savedmodel",
}


def server_metadata() -> dict:
    return {"name": SERVER_NAME, "version": SERVER_VERSION, "extensions": EXTENSIONS}


def model_metadata(config: VariantConfig) -> dict:
    return {
        "name": config.model,
        "versions": [config.version],
        "platform": PLATFORM_BY_EXECUTOR.get(config.executor, config.executor),
        "inputs": [t.metadata() for t in config.inputs],
        "outputs": [t.metadata() for t in config.outputs],
    }


def _on_gpu(description: str) -> bool:
    return any(word in description for word in ("CUDAExecutionProvider", "TensorrtExecutionProvider"))


def model_config(config: VariantConfig, description: str) -> dict:
    """Triton's config.pbtxt as JSON: dims leave out the batch dimension, which max_batch_size stands for."""
    doc = {
        "name": config.model,
        "platform": PLATFORM_BY_EXECUTOR.get(config.executor, config.executor),
        "backend": config.executor,
        "version_policy": {"latest": {"num_versions": 1}},
        "max_batch_size": config.batch_size,
        "input": [
            {
                "name": t.name,
                "data_type": triton_type(t.dtype),
                "format": "FORMAT_NONE",
                "dims": list(t.shape[1:]),
                "is_shape_tensor": False,
                "allow_ragged_batch": False,
                "optional": False,
            }
            for t in config.inputs
        ],
        "output": [
            {"name": t.name, "data_type": triton_type(t.dtype), "dims": list(t.shape[1:]), "label_filename": "", "is_shape_tensor": False}
            for t in config.outputs
        ],
        "instance_group": [{"name": config.name, "kind": "KIND_GPU" if _on_gpu(description) else "KIND_CPU", "count": 1}],
        "parameters": {
            key: {"string_value": str(value).lower() if isinstance(value, bool) else str(value)}
            for key, value in {
                "variant": config.name,
                "hardware_platform": config.platform,
                "runtime": config.runtime,
                "precision": config.precision,
                "mode": config.mode,
                "fixed_batch": config.fixed_batch,
                "executed_with": description,
            }.items()
        },
    }
    if config.mode == "THR":
        doc["dynamic_batching"] = {
            "preferred_batch_size": [config.batch_size],
            "max_queue_delay_microseconds": int(config.max_queue_delay_ms * 1000),
            "preserve_ordering": False,
            "default_queue_policy": {"max_queue_size": config.max_queue_size},
        }
    return doc


def _duration(count: int, ns: int) -> dict:
    return {"count": count, "ns": ns}


def model_statistics(config: VariantConfig, stats: Stats) -> dict:
    """Triton's /stats: cumulative counts and nanoseconds (perf_analyzer takes differences between two reads)."""
    with stats.locked():
        ok, ns = stats.successes, stats.stage_ns
        failed = sum(stats.failures.values())
        entry = {
            "name": config.model,
            "version": config.version,
            "last_inference": stats.last_inference_ms,
            "inference_count": stats.inferences,
            "execution_count": stats.executions,
            "inference_stats": {
                "success": _duration(ok, stats.success_ns),
                "fail": _duration(failed, stats.failure_ns),
                "queue": _duration(ok, ns["queue"]),
                "compute_input": _duration(ok, ns["decode"] + ns["preprocess"]),
                "compute_infer": _duration(ok, ns["infer"]),
                "compute_output": _duration(ok, ns["postprocess"] + ns["encode"]),
                "cache_hit": _duration(0, 0),
                "cache_miss": _duration(0, 0),
            },
            "batch_stats": [
                {
                    "batch_size": size,
                    "compute_input": _duration(r.count, r.assemble_ns),
                    "compute_infer": _duration(r.count, r.infer_ns),
                    "compute_output": _duration(r.count, r.split_ns),
                }
                for size, r in sorted(stats.batches.items())
            ],
            "memory_usage": [],
        }
    return {"model_stats": [entry]}
