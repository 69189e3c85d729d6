"""The 55 MINPACK-1 HYBRD cases with the original Fortran driver's results.

data/minpack1_hybrd_reference.json is what tools/make_reference_hybrd.py
recorded from MINPACK-1's HYBRD driver (file15: 14 systems of Moré, Garbow
and Hillstrom from the standard starts scaled by 1, 10 and 100, the lines
of file21), compiled against the vendored MINPACK; every double is a
``float.hex`` string.
"""

import functools
import json
from importlib import resources

from . import _hybrd_problems as problems
from ._case import EquationCase, Result, frozen_vector


@functools.cache
def raw_reference():
    """The reference file, parsed (shared; do not modify)."""
    text = (resources.files(__package__) / "data"
            / "minpack1_hybrd_reference.json").read_text(encoding="utf-8")
    return json.loads(text)


def _vector(hexes):
    return frozen_vector([float.fromhex(h) for h in hexes])


def _bind(nprob):
    """VECFCN for one problem, as the one-argument ``func(x)``."""
    def func(x):
        return problems.vecfcn(x, nprob)
    func.__name__ = func.__qualname__ = f"vecfcn_{nprob}"
    return func


@functools.cache
def cases():
    """The 55 cases in the driver's order (file21, then the factors)."""
    reference = raw_reference()
    tolerance = float.fromhex(reference["tol"])
    built = []
    for entry in reference["cases"]:
        number, n, factor = entry["problem"], entry["n"], entry["factor"]
        built.append(EquationCase(
            name=f"hybrd{number:02d}-n{n}-x{factor:g}",
            suite="minpack1-hybrd",
            title=f"{problems.NAMES[number]}, n={n}, start x{factor:g}",
            n=n,
            x0=_vector(entry["x0"]),
            func=_bind(number),
            options={"xtol": tolerance, "diag": frozen_vector([1.0] * n)},
            hybrd=Result(info=entry["info"], nfev=entry["nfev"], njev=None,
                         x=_vector(entry["x"]), fvec=_vector(entry["fvec"]),
                         fnorm=float.fromhex(entry["fnorm"])),
            fvec0=_vector(entry["fvec0"]),
            about={"problem": number, "factor": factor,
                   "line": entry["line"]},
        ))
    return tuple(built)
