"""python -m tf2aif_toolchain.serve --config variant.json [--port N (default $TF2AIF_PORT, else variant.json's port)] [--host H]
python -m tf2aif_toolchain.serve make-config --artifact DIR --model-dir DIR --variant V --model M --executor E --out variant.json
    --serving JSON --value-ranges JSON [--input-ranges JSON] [--fixed-batch] [--artifact-ref artifact] [--processing PATH]"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path

from ..errors import ToolchainError
from .config import load_config
from .server import describe, graceful_stop, start_server
from .service import InferenceService
from .variant_config import variant_config

EXIT_USER_ERROR = 2


def _fail(message: str) -> int:
    print(f"tf2aif serve error: {message}", file=sys.stderr, flush=True)
    return EXIT_USER_ERROR


def serve_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tf2aif_toolchain.serve", description="Serve one variant over the Open Inference Protocol (KServe v2)."
    )
    parser.add_argument("--config", type=Path, required=True, help="the variant.json to serve")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ["TF2AIF_PORT"]) if os.environ.get("TF2AIF_PORT") else None,
        help="port to listen on; 0 picks a free one (default: $TF2AIF_PORT, else variant.json's port)",
    )
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    parser.add_argument("--drain-seconds", type=float, default=20.0, help="on SIGTERM, how long in-flight requests may take to finish")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        service = InferenceService(load_config(args.config))
    except ToolchainError as e:
        return _fail(str(e))
    port = service.config.port if args.port is None else args.port
    try:
        server = start_server(service, args.host, port, args.verbose)
    except (OSError, OverflowError) as e:  # address in use, unknown host, port out of range
        service.close()
        return _fail(f"cannot listen on {args.host}:{port}: {getattr(e, 'strerror', None) or e}")

    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()
        signal.signal(signum, signal.SIG_DFL)  # a second signal ends the process at once

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(
        f"tf2aif serve: {describe(service)} ready on http://{args.host}:{server.port}/v2/models/{service.config.model} "
        f"(executed with {service.description})",
        flush=True,
    )
    while not stop.wait(0.5):  # a timed wait lets the signal handler run promptly
        pass
    graceful_stop(server, received[0] + " received", args.drain_seconds)
    return 0


def make_config_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tf2aif_toolchain.serve make-config", description="Write a variant.json for a built artifact.")
    parser.add_argument("--artifact", type=Path, required=True, help="the deployed step's output folder (holds artifact.json)")
    parser.add_argument("--model-dir", type=Path, required=True, help="the model's build-model output (holds model.json)")
    parser.add_argument("--variant", required=True, help="e.g. digits-cpu")
    parser.add_argument("--model", required=True, help="e.g. digits")
    parser.add_argument("--executor", required=True, help="the runtime module in tf2aif_toolchain/runtimes/ that runs the artifact")
    parser.add_argument(
        "--fixed-batch", action=argparse.BooleanOptionalAction, default=None, help="the artifact takes only batchSize samples (default: ONNX formats)"
    )
    parser.add_argument(
        "--serving",
        type=json.loads,
        required=True,
        help='tf2aif.json\'s serving settings as JSON: {"mode", "port", "maxQueueDelayMs", "maxQueueSize", "maxBodyBytes"}',
    )
    parser.add_argument(
        "--value-ranges", type=json.loads, required=True, help='tf2aif.json\'s valueRanges as JSON: {"float": [0, 1], "integer": [0, 255]}'
    )
    parser.add_argument("--input-ranges", type=json.loads, default={}, help="tf2aif.json's inputs' own ranges as JSON, by input name (absent: none)")
    parser.add_argument("--artifact-ref", help="artifactDir as written into variant.json (default: --artifact, absolute)")
    parser.add_argument("--processing", help="processing hooks as written into variant.json (default: none)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        doc = variant_config(
            args.artifact,
            args.model_dir,
            variant=args.variant,
            model=args.model,
            executor=args.executor,
            serving=args.serving,
            value_ranges=args.value_ranges,
            input_ranges=args.input_ranges,
            fixed_batch=args.fixed_batch,
            artifact_ref=args.artifact_ref,
            processing=args.processing,
        )
    except ToolchainError as e:
        return _fail(str(e))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["make-config"]:
        return make_config_main(argv[1:])
    return serve_main(argv)
