"""Loading user Python files (build scripts, loaders, hooks); the toolchain's own adapters load through adapters.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from .errors import ToolchainError


def load_user_module(path: Path, what: str) -> ModuleType:
    if not path.is_file():
        raise ToolchainError(f"{what} {path} does not exist")
    name = f"tf2aif_user_{path.stem}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ToolchainError(f"{what} {path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))  # let the file import its neighbours
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # noqa: BLE001 (user code may raise anything)
        raise ToolchainError(f"{what} {path} failed to import: {type(e).__name__}: {e}") from e
    finally:
        sys.path.remove(str(path.parent))
    return module


def user_function(module: ModuleType, name: str, path: Path, what: str):
    fn = getattr(module, name, None)
    if not callable(fn):
        raise ToolchainError(f"{what} {path} must define a function {name}()")
    return fn
