"""The toolchain steps an executor can run (`python -m tf2aif_toolchain <step>`): each reads a Job and writes into
job.out_dir. STEPS is the table the command line dispatches on."""

from __future__ import annotations

from ..job import Job
from . import build_model, reference, verify
from .compile import compile_artifact
from .convert import convert, export
from .quantize import calibrate, quantize


def _bench_inprocess(job: Job) -> None:
    from ..bench import inprocess  # noqa: PLC0415 (imports the server and both runtimes)

    inprocess.run(job)


def _ceiling(job: Job) -> None:
    from ..bench import ceiling  # noqa: PLC0415

    ceiling.run(job)


def _plan(job: Job) -> None:
    from ..plan import solver  # noqa: PLC0415 (SciPy only here)

    solver.run(job)


STEPS = {
    "build-model": build_model.run,
    "export": export,
    "convert": convert,
    "reference": reference.run,
    "calibrate": calibrate,
    "quantize": quantize,
    "verify": verify.run,
    "compile": compile_artifact,
    "bench-inprocess": _bench_inprocess,
    "ceiling": _ceiling,
    "plan": _plan,
}
