"""One served variant without HTTP: validate -> preprocess -> LAT/THR scheduling -> postprocess.

The HTTP handler calls infer() between decoding and encoding; a benchmark can call it directly to measure
what the HTTP layer adds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..errors import ToolchainError
from .batcher import DynamicBatcher
from .config import VariantConfig, load_config
from .direct import DirectScheduler
from .model import ServedModel, Tensors
from .processing import Processing
from .stats import Stats, Timings
from .validate import check_inputs, check_outputs


class InferenceService:
    def __init__(self, config: VariantConfig, runner=None, warm_up: bool = True) -> None:
        """runner: an already loaded runtime runner (tests); by default the executor's adapter loads the artifact."""
        self.config = config
        self.stats = Stats()
        self.processing = Processing(config.processing)
        self.model = ServedModel(config, runner)
        if config.mode == "THR":
            limit = config.batch_size
            self.scheduler = DynamicBatcher(self.model, self.stats, limit, config.max_queue_delay_ms, config.max_queue_size)
        else:
            self.scheduler = DirectScheduler(self.model, self.stats)
        if warm_up:
            self.warm_up()

    @property
    def description(self) -> str:
        return self.model.description

    def infer(self, inputs: dict[str, np.ndarray], timings: Timings | None = None) -> Tensors:
        """Named input arrays (batch first) -> named output arrays; raises RequestError (4xx/503) or InferenceFailed."""
        timings = timings if timings is not None else Timings()
        batch = check_inputs(self.config, inputs)
        t0 = time.perf_counter_ns()
        ready = self.processing.preprocess(inputs, batch)
        t1 = time.perf_counter_ns()
        outputs = self.scheduler.submit(ready, batch, timings)
        t2 = time.perf_counter_ns()
        result = check_outputs(self.config, self.processing.postprocess(outputs, batch))
        timings.preprocess = t1 - t0
        timings.postprocess = time.perf_counter_ns() - t2
        return result

    def warm_up(self) -> None:
        """One zero batch through everything: the first request is then not slow, and an artifact the runtime
        loads but cannot run (wrong inputs, missing outputs) fails at start-up rather than on a client."""
        batch = self.config.batch_size if self.config.fixed_batch else 1
        zeros = {
            t.name: np.zeros([batch, *(t.shape_range["opt"] if t.shape_range else (max(d, 1) for d in t.shape[1:]))], t.dtype)
            for t in self.config.inputs
        }
        try:
            self.infer(zeros)
            self.stats.reset()
        except Exception as e:  # noqa: BLE001
            self.close()
            raise ToolchainError(f"{self.config.name}: a warm-up inference on zeros failed: {e}") from e

    def close(self, timeout: float = 10) -> None:
        self.scheduler.close(timeout)


def open_service(config: VariantConfig | str | Path, **kwargs) -> InferenceService:
    """In-process inference from a variant.json path (or a parsed config), through the server's model wrapper."""
    if not isinstance(config, VariantConfig):
        config = load_config(Path(config))
    return InferenceService(config, **kwargs)
