"""The 53 MINPACK-1 cases with the original Fortran drivers' results.

data/minpack1_reference.json is what tools/make_reference.py recorded from
the drivers of MINPACK-1's own test suite (LMDER and LMDIF on the 18
problems of Moré, Garbow and Hillstrom, from the standard starts scaled by
1, 10 and 100), compiled against the vendored MINPACK; every double is a
``float.hex`` string, so nothing is lost.
"""

import functools
import json
from importlib import resources

from . import _minpack1_problems as problems
from ._case import Case, Result, frozen_vector

#: What MINPACK-1's LMDER1/LMDIF1 pass for ftol and xtol: sqrt(dpmpar(1)).
TOLERANCE = 2.22044604926e-16 ** 0.5


@functools.cache
def raw_reference():
    """The reference file, parsed (shared; do not modify)."""
    text = (resources.files(__package__) / "data"
            / "minpack1_reference.json").read_text(encoding="utf-8")
    return json.loads(text)


@functools.cache
def lmstr_results():
    """LMSTR's results (data/minpack1_lmstr_reference.json, recorded by
    tools/make_reference_hybrd_lmstr.py from file18 on file22) by
    (problem, n, m, factor)."""
    text = (resources.files(__package__) / "data"
            / "minpack1_lmstr_reference.json").read_text(encoding="utf-8")
    return {(e["problem"], e["n"], e["m"], e["factor"]): _result(e)
            for e in json.loads(text)["cases"]}


def _vector(hexes):
    return frozen_vector([float.fromhex(h) for h in hexes])


def _result(entry):
    return Result(info=entry["info"], nfev=entry["nfev"],
                  njev=entry.get("njev"), x=_vector(entry["x"]),
                  fvec=_vector(entry["fvec"]),
                  fnorm=float.fromhex(entry["fnorm"]))


def case_name(problem, n, m, factor):
    """e.g. ``mgh04-n2-m2-x10``: problem number, size, start factor."""
    return f"mgh{problem:02d}-n{n}-m{m}-x{factor:g}"


def _bind(function, m):
    """``function(x, m)`` as the one-argument ``f(x)`` a case exposes."""
    def bound(x):
        return function(x, m)
    bound.__name__ = function.__name__
    bound.__qualname__ = function.__name__
    return bound


@functools.cache
def cases():
    """The 53 cases in the drivers' order (file22, then the factors)."""
    reference = raw_reference()
    tolerance = float.fromhex(reference["tol"])
    by_key = {}
    for entry in reference["cases"]:
        key = (entry["problem"], entry["n"], entry["m"], entry["factor"])
        by_key.setdefault(key, {})[entry["solver"]] = entry
    built = []
    for (number, n, m, factor), entries in by_key.items():
        problem = problems.PROBLEMS[number]
        lmder, lmdif = entries["lmder"], entries["lmdif"]
        jac0 = lmder.get("jac0")
        built.append(Case(
            name=case_name(number, n, m, factor),
            suite="minpack1",
            title=f"{problem.name}, n={n}, m={m}, start x{factor:g}",
            m=m, n=n,
            x0=_vector(lmder["x0"]),
            residuals=_bind(problem.residuals, m),
            jacobian=_bind(problem.jacobian, m),
            options={"ftol": tolerance, "xtol": tolerance, "gtol": 0.0},
            lmder=_result(lmder), lmdif=_result(lmdif),
            lmstr=lmstr_results().get((number, n, m, factor)),
            fvec0=_vector(lmder["fvec0"]),
            jac0=None if jac0 is None else frozen_vector(
                [[float.fromhex(v) for v in row] for row in jac0]),
            about={"problem": number, "factor": factor,
                   "line": lmder["line"]},
        ))
    return tuple(built)
