"""The adapter contracts: one small module per toolchain in converters/, quantizers/, runtimes/, compilers/.

Each kind is a Protocol below; a module is checked against its kind's when it is loaded, so a module without its
function (or with the wrong parameters) fails with one line naming the file and the function, not with an
AttributeError halfway through a step.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Protocol, cast

from .errors import ToolchainError

if TYPE_CHECKING:
    import numpy as np

    from .data import Samples
    from .job import Job


class Converter(Protocol):
    """converters/<name>.py: the SavedModel -> the platform's format, written into out_dir; returns its meta."""

    def convert(self, job: Job, saved_model: Path, out_dir: Path) -> dict: ...


class Quantizer(Protocol):
    """quantizers/<name>.py: the converted (or original) model -> the quantized artifact in out_dir; its meta."""

    def quantize(self, job: Job, saved_model: Path, convert_dir: Path, calibration: Samples, out_dir: Path) -> dict: ...


class Runner(Protocol):
    """What a runtime's load() returns: runs a batch {input name: array} -> {output name: float array}."""

    description: str

    def run(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]: ...


class Runtime(Protocol):
    """runtimes/<name>.py: loads an artifact (its artifact.json meta names the file) for verify and the server."""

    def load(self, artifact_dir: Path, meta: dict) -> Runner: ...


class Compiler(Protocol):
    """compilers/<name>.py: the artifact -> the hardware's format (e.g. a DPU .xmodel) in out_dir; its meta."""

    def compile(self, job: Job, artifact_dir: Path, meta: dict, out_dir: Path) -> dict: ...  # noqa: A003


CONTRACTS: dict[str, type] = {"converters": Converter, "quantizers": Quantizer, "runtimes": Runtime, "compilers": Compiler}


def _function_of(contract: type) -> tuple[str, list[str]]:
    """The contract's one function and its parameter names (self left out)."""
    [(name, fn)] = [(n, f) for n, f in vars(contract).items() if inspect.isfunction(f) and not n.startswith("_")]
    return name, [p for p in inspect.signature(fn).parameters if p != "self"]


def check_adapter(kind: str, name: str, module: ModuleType, where: str | None = None) -> None:
    """The module against its kind's Protocol: the function exists and takes the contract's parameters."""
    function, params = _function_of(CONTRACTS[kind])
    where = where or f"tf2aif_toolchain/{kind}/{name}.py"
    wanted = f"{function}({', '.join(params)})"
    fn = getattr(module, function, None)
    if not callable(fn):
        raise ToolchainError(f"{where} does not define {wanted}, the {CONTRACTS[kind].__name__} contract (tf2aif_toolchain/adapters.py)")
    try:
        inspect.signature(fn).bind(*params)
    except TypeError as e:
        raise ToolchainError(f"{where}: {function}() must take ({', '.join(params)}), the {CONTRACTS[kind].__name__} contract: {e}") from e


def workspace_adapter(kind: str, name: str) -> Path | None:
    """The workspace's own module for `kind`/`name` (plugin option adaptersDir, passed as TF2AIF_ADAPTERS), if it has one."""
    root = os.environ.get("TF2AIF_ADAPTERS")
    path = Path(root) / kind / f"{name}.py" if root else None
    return path if path is not None and path.is_file() else None


def _load_file(kind: str, name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"tf2aif_adapters.{kind}.{name}", path)
    if spec is None or spec.loader is None:
        raise ToolchainError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_adapter(kind: str, name: str):
    """converters/<name>.py, quantizers/<name>.py, ...: the workspace's own module where it has one, else the
    toolchain's; imported and checked against its contract."""
    if kind not in CONTRACTS:
        raise ToolchainError(f"no adapter kind {kind!r} (kinds: {sorted(CONTRACTS)})")
    own = workspace_adapter(kind, name)
    if own is not None:
        module = _load_file(kind, name, own)
        check_adapter(kind, name, module, str(own))
        return module
    try:
        module = importlib.import_module(f"tf2aif_toolchain.{kind}.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"tf2aif_toolchain.{kind}.{name}":
            hint = f" or {os.environ['TF2AIF_ADAPTERS']}/{kind}/{name}.py" if os.environ.get("TF2AIF_ADAPTERS") else ""
            raise ToolchainError(f"no {kind[:-1]} named {name!r}: expected tf2aif_toolchain/{kind}/{name}.py{hint}") from e
        raise
    check_adapter(kind, name, module)
    return module


def load_converter(name: str) -> Converter:
    return cast(Converter, load_adapter("converters", name))


def load_quantizer(name: str) -> Quantizer:
    return cast(Quantizer, load_adapter("quantizers", name))


def load_runtime(name: str) -> Runtime:
    return cast(Runtime, load_adapter("runtimes", name))


def load_compiler(name: str) -> Compiler:
    return cast(Compiler, load_adapter("compilers", name))
