"""Every adapter module honours its kind's contract; one that does not fails naming the file and the function."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from tf2aif_toolchain import adapters
from tf2aif_toolchain.errors import ToolchainError

PACKAGE = Path(adapters.__file__).parent


@pytest.mark.parametrize("kind", sorted(adapters.CONTRACTS))
def test_every_adapter_in_the_package_satisfies_its_contract(kind):
    names = sorted(p.stem for p in (PACKAGE / kind).glob("*.py") if p.stem != "__init__")
    assert names, kind
    for name in names:
        adapters.check_adapter(kind, name, __import__(f"tf2aif_toolchain.{kind}.{name}", fromlist=["_"]))


def test_a_module_without_its_function_is_named_with_the_contract():
    empty = ModuleType("fake")
    with pytest.raises(
        ToolchainError,
        match=r"tf2aif_toolchain/quantizers/fake.py does not define "
        r"quantize\(job, saved_model, convert_dir, calibration, out_dir\), the Quantizer contract",
    ):
        adapters.check_adapter("quantizers", "fake", empty)


def test_a_function_with_the_wrong_parameters_is_named():
    odd = ModuleType("odd")
    odd.convert = lambda job, saved_model: {}
    with pytest.raises(ToolchainError, match=r"converters/odd.py: convert\(\) must take \(job, saved_model, out_dir\), the Converter contract"):
        adapters.check_adapter("converters", "odd", odd)


def test_an_unknown_adapter_names_the_file_it_looked_for():
    with pytest.raises(ToolchainError, match=r"no runtime named 'nope': expected tf2aif_toolchain/runtimes/nope.py"):
        adapters.load_runtime("nope")
