"""The 55 MINPACK-1 HYBRD/HYBRJ cases with the original drivers' results.

data/minpack1_hybrd_reference.json is what
tools/make_reference_hybrd_lmstr.py recorded from MINPACK-1's HYBRD and
HYBRJ drivers (file15, file16: 14 systems of Moré, Garbow and Hillstrom
from the standard starts scaled by 1, 10 and 100, the lines of file21),
compiled against the vendored MINPACK; every double is a ``float.hex``
string.
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


def _bind(function, nprob):
    """VECFCN or VECJAC for one problem, as the one-argument ``f(x)``."""
    def bound(x):
        return function(x, nprob)
    bound.__name__ = bound.__qualname__ = f"{function.__name__}_{nprob}"
    return bound


def _result(entry):
    return Result(info=entry["info"], nfev=entry["nfev"],
                  njev=entry.get("njev"), x=_vector(entry["x"]),
                  fvec=_vector(entry["fvec"]),
                  fnorm=float.fromhex(entry["fnorm"]))


@functools.cache
def cases():
    """The 55 cases in the drivers' order (file21, then the factors)."""
    reference = raw_reference()
    tolerance = float.fromhex(reference["tol"])
    by_key = {}
    for entry in reference["cases"]:
        key = (entry["problem"], entry["n"], entry["factor"])
        by_key.setdefault(key, {})[entry["solver"]] = entry
    built = []
    for (number, n, factor), entries in by_key.items():
        hybrd, hybrj = entries["hybrd"], entries["hybrj"]
        built.append(EquationCase(
            name=f"hybrd{number:02d}-n{n}-x{factor:g}",
            suite="minpack1-hybrd",
            title=f"{problems.NAMES[number]}, n={n}, start x{factor:g}",
            n=n,
            x0=_vector(hybrd["x0"]),
            func=_bind(problems.vecfcn, number),
            jacobian=_bind(problems.vecjac, number),
            options={"xtol": tolerance, "diag": frozen_vector([1.0] * n)},
            hybrd=_result(hybrd), hybrj=_result(hybrj),
            fvec0=_vector(hybrd["fvec0"]),
            about={"problem": number, "factor": factor,
                   "line": hybrd["line"]},
        ))
    return tuple(built)
