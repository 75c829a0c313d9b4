"""A module run as `python -m` runs it, in this process: the warm child and the client's cold path both use it."""

import atexit
import runpy
import sys
import traceback


def run_module(module: str) -> int:
    """The module as `python -m` runs it, its SystemExit turned into an exit code, atexit handlers run."""
    code = 0
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except KeyboardInterrupt:
        code = 130
    except BaseException:  # noqa: BLE001 (as the interpreter would: the traceback, exit code 1)
        traceback.print_exc()
        code = 1
    try:
        atexit._run_exitfuncs()  # noqa: SLF001 (what the interpreter runs at exit; os._exit skips it)
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
    return code
