"""The JSON files the validator writes: the exported cases, the
reference's results, the report (``_results_file`` reads a port's).
docs/maintainer/results_schema.md documents the schemas.

Doubles are written as ``float.hex`` strings ("0x1.8p+1"; C99's ``%a``
prints and ``strtod`` reads them), which are exact.  Results files may
give them as hex strings or as JSON numbers (exact when printed with 17
significant digits, ``%.17g``).
"""

from typing import Any

import numpy as np

from ..testing import Case, Result
from ._verdict import SAME_MAX_ULPS

CASES_SCHEMA = "pyminpack.validate/cases-1"
RESULTS_SCHEMA = "pyminpack.validate/results-1"
REPORT_SCHEMA = "pyminpack.validate/report-1"


def hexes(values):
    return [float(v).hex() for v in np.asarray(values, dtype=float).ravel()]


def result_json(result: Result):
    entry: dict[str, Any] = {"info": result.info, "nfev": result.nfev}
    if result.njev is not None:
        entry["njev"] = result.njev
    entry.update(x=hexes(result.x), fvec=hexes(result.fvec),
                 fnorm=float(result.fnorm).hex())
    return entry


def case_json(case: Case, references):
    """One case for --export: inputs, MINPACK's options, the reference."""
    entry: dict[str, Any] = {"case": case.name, "suite": case.suite,
                             "title": case.title, "m": case.m, "n": case.n,
                             "x0": hexes(case.x0)}
    entry.update({name: float(value).hex()
                  for name, value in case.options.items()})
    entry.update(maxfev={"lmder": 100 * (case.n + 1),
                         "lmdif": 200 * (case.n + 1)},
                 epsfcn=0.0, factor=100.0, mode=1, nprint=0)
    if case.suite == "minpack1":
        entry["problem"] = case.about["problem"]
        entry["factor_of_standard_start"] = case.about["factor"]
    else:
        certified = case.certified
        assert certified is not None  # every NIST case has them
        entry["dataset"] = case.about["dataset"]
        entry["start"] = case.about["start"]
        entry["model"] = case.about["model"]
        entry["residual"] = ("model(b, x) - log(y)" if case.about["dataset"]
                             == "Nelson" else "model(b, x) - y")
        x = case.about["x"]
        entry["data"] = {"x": ([hexes(row) for row in x] if x.ndim == 2
                               else hexes(x)),
                         "y": hexes(case.about["y"])}
        entry["certified"] = {
            "params": hexes(certified.params),
            "std_devs": hexes(certified.std_devs),
            "residual_sum_of_squares":
                float(certified.residual_sum_of_squares).hex()}
    fvec0 = case.fvec0 if case.fvec0 is not None else case.residuals(case.x0)
    jac0 = case.jac0 if case.jac0 is not None else case.jacobian(case.x0)
    entry["fvec0"] = hexes(fvec0)
    entry["jac0"] = [hexes(row) for row in np.asarray(jac0)]
    entry["reference"] = {solver: result_json(references.get(
        case, solver == "lmder")[0]) for solver in ("lmder", "lmdif")}
    return entry


def cases_document(cases, references, about):
    return {"schema": CASES_SCHEMA, "about": about,
            "doubles": "float.hex strings (C99 %a), exact",
            "cases": [case_json(case, references) for case in cases]}


def reference_results_document(cases, references):
    """The reference itself in the results schema: what a port that is
    the original Fortran writes (and the example of the format)."""
    results = []
    for case in cases:
        for solver in ("lmder", "lmdif"):
            result = references.get(case, solver == "lmder")[0]
            entry = {"case": case.name, "solver": solver}
            entry.update(result_json(result))
            del entry["fnorm"]
            results.append(entry)
    return {"schema": RESULTS_SCHEMA, "target": "reference", "results":
            results}


# --- the report ----------------------------------------------------------------

def report_document(target, verdicts, results, summary, allow_ulps, about):
    """The --json report; its "results" part is itself a results file."""
    cases = []
    for v in verdicts:
        entry = {"case": v.case, "suite": v.suite, "solver": v.solver,
                 "verdict": v.verdict, "differences": v.differences,
                 "max_ulps_x": v.max_ulps_x,
                 "max_ulps_fvec": v.max_ulps_fvec, "note": v.note,
                 "first_departure": None}
        if v.departure is not None:
            d = v.departure
            entry["first_departure"] = {
                "evaluation": d.evaluation, "iteration": d.iteration,
                "component": d.component, "ulps": d.ulps,
                "components_differing": d.components_differing,
                "reference_x": None if d.reference_x is None
                else d.reference_x.hex(),
                "target_x": None if d.target_x is None
                else d.target_x.hex(),
                "reference_evaluations": d.reference_count,
                "target_evaluations": d.target_count}
        cases.append(entry)
    document = {"schema": REPORT_SCHEMA, "target": target, "about": about,
                "same_max_ulps": SAME_MAX_ULPS, "allow_ulps": allow_ulps,
                "summary": summary, "cases": cases}
    if results is not None:
        document["results"] = [
            dict({"case": case.name, "solver": solver}, **{
                key: value for key, value in result_json(result).items()
                if key != "fnorm"})
            for case, solver, result, _ in results if result is not None]
        document["results_schema"] = RESULTS_SCHEMA
    return document
