"""The variant server: one variant's runtime adapter behind the Open Inference Protocol (KServe v2).

In-process use (no HTTP), e.g. to measure what the server adds:
    service = open_service("variant.json"); outputs = service.infer({"image": batch})
"""

from .. import env  # noqa: F401 (TF_ENABLE_ONEDNN_OPTS before any runtime imports TensorFlow)
from .config import ConfigError, VariantConfig, load_config, parse_config
from .server import RunningServer, start_server
from .service import InferenceService, open_service
from .variant_config import variant_config

__all__ = [
    "ConfigError",
    "InferenceService",
    "RunningServer",
    "VariantConfig",
    "load_config",
    "open_service",
    "parse_config",
    "start_server",
    "variant_config",
]
