"""python -m tf2aif_toolchain <step> --job JOB.json --out DIR
python -m tf2aif_toolchain inspect --format savedmodel|keras --path PATH   (prints input/output specs as JSON)"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path

from . import env  # noqa: F401 (sets TF_ENABLE_ONEDNN_OPTS before anything imports TensorFlow)
from .errors import ToolchainError
from .job import load_job
from .steps import STEPS

EXIT_USER_ERROR = 2


def _record(error_file: Path | None, kind: str, message: str) -> None:
    """The failure as data for whoever ran the step (the zoo's coverage matrix reads it); stderr says it too."""
    if error_file is not None:
        error_file.write_text(json.dumps({"kind": kind, "message": message}))


def inspect_main(argv: list[str]) -> int:
    from .steps import inspect_model  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="tf2aif_toolchain inspect")
    parser.add_argument("--format", choices=["savedmodel", "keras"], required=True)
    parser.add_argument("--path", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        inspect_model.main(args.format, args.path)
    except ToolchainError as e:
        print(f"tf2aif error: {e}", file=sys.stderr, flush=True)
        return EXIT_USER_ERROR
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["inspect"]:
        return inspect_main(argv[1:])
    parser = argparse.ArgumentParser(prog="tf2aif_toolchain")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--job", type=Path, required=True, help="JSON file with the step's options")
    parser.add_argument("--out", type=Path, required=True, help="empty folder the step writes into")
    parser.add_argument("--error-file", type=Path, help="where to write the failure as JSON ({kind, message})")
    args = parser.parse_args(argv)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        STEPS[args.step](load_job(args.step, args.job, args.out))
    except ToolchainError as e:
        print(f"tf2aif error: {e}", file=sys.stderr, flush=True)
        _record(args.error_file, "user", str(e))
        return EXIT_USER_ERROR
    except Exception as e:  # noqa: BLE001 (an unexpected failure: one line here, the traceback in a log file)
        log_file = _traceback_log(args.job, args.step)
        first = (str(e).strip().splitlines() or [""])[0][:300]
        print(
            f"tf2aif error: the {args.step} step failed unexpectedly: {type(e).__name__}: {first} "
            f"(the traceback is in {log_file}; report it with the model if the cause is not in your model or data)",
            file=sys.stderr,
            flush=True,
        )
        _record(args.error_file, "crash", f"{type(e).__name__}: {e}")
        return 1
    return 0


def _traceback_log(job_file: Path, step: str) -> Path:
    """.tf2aif/logs/<step>-<variant or model>.traceback.txt in the job's workspace (else next to the job file)."""
    try:
        options = json.loads(job_file.read_text())
        folder = Path(options["workspaceRoot"]) / ".tf2aif" / "logs"
        name = options.get("variant") or options.get("model") or "job"
    except (OSError, ValueError, KeyError, TypeError):
        folder, name = job_file.parent, "job"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{step}-{name}.traceback.txt"
    path.write_text(traceback.format_exc())
    return path


if __name__ == "__main__":
    sys.exit(main())
