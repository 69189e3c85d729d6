"""The API reference (docs/reference/index.rst) lists every public name of
every public module, so that a new function cannot be left out of it."""

import importlib
import pathlib
import re

import pytest

REFERENCE = (pathlib.Path(__file__).resolve().parent.parent / "docs"
             / "reference" / "index.rst").read_text(encoding="utf-8")
MODULES = ["pyminpack", "pyminpack.compiled", "pyminpack.dask",
           "pyminpack.testing", "pyminpack.validate", "pyminpack.xarray"]


def listed():
    """(module, name) of each autosummary entry, by its currentmodule."""
    names, module = set(), None
    for line in REFERENCE.splitlines():
        current = re.match(r"\.\. currentmodule:: (\S+)", line)
        if current:
            module = current.group(1)
        elif re.match(r"   [A-Za-z_]\w*$", line):
            names.add((module, line.strip()))
    return names


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_in_the_reference(module):
    if module in ("pyminpack.dask", "pyminpack.xarray"):
        pytest.importorskip(module.split(".")[1])
    public = set(importlib.import_module(module).__all__) - {"__version__"}
    missing = {name for name in public if (module, name) not in listed()}
    assert not missing, f"{module}: {sorted(missing)} not in the reference"
