"""python -m tf2aif_toolchain.client (tritonclient over HTTP) [--url http://host:port] [--config variant.json | --model NAME]
--requests N --concurrency C"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tritonclient.utils import InferenceServerException

from .loadgen import is_ready, run_load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tf2aif_toolchain.client", description="Drive a tf2aif variant server with load.")
    parser.add_argument("--url", help="the server (default: this machine at the port --config's variant.json names)")
    parser.add_argument("--config", type=Path, help="the variant.json (for the model name and the port)")
    parser.add_argument("--model", help="model name in /v2/models/<model>")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the server to be ready")
    args = parser.parse_args(argv)
    config = json.loads(args.config.read_text()) if args.config else {}
    model = args.model or config.get("model")
    if not model:
        print("tf2aif client error: give --model or --config", file=sys.stderr)
        return 2
    if args.url is None and "port" not in config:
        print("tf2aif client error: give --url, or --config with the variant.json that names the server's port", file=sys.stderr)
        return 2
    args.url = args.url or f"http://127.0.0.1:{config['port']}"
    deadline = time.monotonic() + args.wait
    while not is_ready(args.url):
        if time.monotonic() > deadline:
            print(f"tf2aif client error: no ready server at {args.url} after {args.wait:.0f}s", file=sys.stderr)
            return 1
        time.sleep(0.5)
    try:
        result = run_load(args.url, model, args.requests, args.concurrency, args.batch)
    except InferenceServerException as e:  # e.g. no such model on that server
        print(f"tf2aif client error: {e.message()}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
