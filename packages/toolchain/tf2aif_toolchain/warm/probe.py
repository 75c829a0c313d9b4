"""What a warm child sees, for the tests: python -m tf2aif_toolchain.warm.probe [--exit N] [--sleep S]
prints its pid, working directory, argv and TF2AIF_PROBE as JSON on stdout and a line on stderr, whether
TensorFlow was already imported (a warm child's is), then sleeps and exits as asked."""

import argparse
import json
import os
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(prog="tf2aif_toolchain.warm.probe")
    parser.add_argument("--exit", type=int, default=0)
    parser.add_argument("--sleep", type=float, default=0.0)
    args = parser.parse_args()
    facts = {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "cwd": os.getcwd(),
        "argv": sys.argv[1:],
        "probe": os.environ.get("TF2AIF_PROBE"),
        "umask": os.umask(0o022),
        "tensorflowLoaded": "tensorflow" in sys.modules,
    }
    print(json.dumps(facts), flush=True)
    print("probe on stderr", file=sys.stderr, flush=True)
    time.sleep(args.sleep)
    return args.exit


if __name__ == "__main__":
    sys.exit(main())
