"""python -m tf2aif_toolchain.client --url http://host:8000 [--config variant.json | --model NAME] --requests N --concurrency C"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .loadgen import run_load
from .v2client import V2Client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tf2aif_toolchain.client", description="Drive a tf2aif variant server with load.")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--config", type=Path, help="the variant.json (for the model name)")
    parser.add_argument("--model", help="model name in /v2/models/<model>")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the server to be ready")
    args = parser.parse_args(argv)
    model = args.model or (json.loads(args.config.read_text())["model"] if args.config else None)
    if not model:
        print("tf2aif client error: give --model or --config", file=sys.stderr)
        return 2
    deadline = time.monotonic() + args.wait
    probe = V2Client(args.url, timeout=5)
    while not probe.ready():
        if time.monotonic() > deadline:
            print(f"tf2aif client error: no ready server at {args.url} after {args.wait:.0f}s", file=sys.stderr)
            return 1
        time.sleep(0.5)
    probe.close()
    print(json.dumps(run_load(args.url, model, args.requests, args.concurrency, args.batch), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
