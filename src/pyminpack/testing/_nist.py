"""The NIST StRD nonlinear regression problems: 27 data sets, two starts.

data/nist/*.dat are NIST's own files (Statistical Reference Datasets,
https://www.itl.nist.gov/div898/strd/, public domain), unchanged.  Each
header says on which lines the starting values, certified values and data
are; this module reads them from there.  The residuals are
``model(b, x) - y`` (for Nelson, whose response is log y, ``model - log y``).
"""

import functools
import math
import re
from importlib import resources

import numpy as np

from . import _nist_models
from ._case import Case, Certified, frozen_vector

#: The same tolerances as the MINPACK-1 cases: sqrt(dpmpar(1)).
TOLERANCE = 2.22044604926e-16 ** 0.5

_LINES = r"\(lines\s+(\d+)\s+to\s+(\d+)\)"


def _line_range(header, what, text):
    found = re.search(what + r"\s+" + _LINES, text)
    if found is None:
        raise ValueError(f"NIST file {header}: no '{what} (lines ...)'")
    return int(found.group(1)), int(found.group(2))


def _number_after(label, text):
    found = re.search(re.escape(label) + r":\s*([-+0-9.Ee]+)", text)
    return found.group(1)


def parse(name, text):
    """A NIST StRD .dat file as a dict: starts, certified values, data."""
    lines = text.splitlines()
    start_first, start_last = _line_range(name, "Starting Values", text)
    data_first, data_last = _line_range(name, "Data", text)
    starts, params, std_devs = [[], []], [], []
    for line in lines[start_first - 1:start_last]:
        # "  b1 =   500         250           2.3894212918E+02  2.7070075241E+00"
        fields = line.split("=", 1)[1].split()
        starts[0].append(float(fields[0]))
        starts[1].append(float(fields[1]))
        params.append(float(fields[2]))
        std_devs.append(float(fields[3]))
    rows = [[float(v) for v in line.split()]
            for line in lines[data_first - 1:data_last] if line.strip()]
    columns = np.array(rows, dtype=np.float64).T
    return {
        "starts": starts,
        "params": params,
        "std_devs": std_devs,
        "rss": float(_number_after("Residual Sum of Squares", text)),
        "residual_sd": float(_number_after("Residual Standard Deviation",
                                           text)),
        "dof": int(_number_after("Degrees of Freedom", text)),
        "y": columns[0],
        "x": columns[1] if columns.shape[0] == 2 else columns[1:],
        "model": _model_text(lines),
    }


def _model_text(lines):
    """The formula lines of the header (between 'Model:' and the starts)."""
    formula, inside = [], False
    for line in lines:
        if line.startswith("Model:"):
            inside = True
            continue
        if inside:
            if "Starting" in line and "values" in line.lower():
                break
            stripped = line.strip()
            if "=" in stripped:
                formula.append(stripped)
            elif formula and stripped.startswith("+"):
                formula.append(stripped)
    return " ".join(formula)


@functools.cache
def raw_data(name):
    """The parsed file of one data set (shared; do not modify)."""
    text = (resources.files(__package__) / "data" / "nist"
            / f"{name}.dat").read_text(encoding="ascii")
    return parse(name, text)


def _problem_functions(name, x, y):
    model, gradient = _nist_models.MODELS[name]
    # The data are bound here, once; numpy's warnings about the overflows
    # of wild trial points are MINPACK's business (it gets inf or NaN).
    def residuals(b):
        with np.errstate(all="ignore"):
            return model(b, x) - y

    def jacobian(b):
        with np.errstate(all="ignore"):
            return gradient(b, x)
    residuals.__name__ = residuals.__qualname__ = f"{name}_residuals"
    jacobian.__name__ = jacobian.__qualname__ = f"{name}_jacobian"
    return residuals, jacobian


@functools.cache
def cases():
    """The 54 cases (27 data sets, starts 1 and 2), in NIST's order."""
    built = []
    for name in _nist_models.MODELS:
        data = raw_data(name)
        y = data["y"]
        if name == "Nelson":
            y = np.array([math.log(v) for v in y.tolist()])
        x = frozen_vector(data["x"])
        y = frozen_vector(y)
        residuals, jacobian = _problem_functions(name, x, y)
        certified = Certified(
            params=frozen_vector(data["params"]),
            std_devs=frozen_vector(data["std_devs"]),
            residual_sum_of_squares=data["rss"],
            residual_std_dev=data["residual_sd"],
            degrees_of_freedom=data["dof"])
        for start in (1, 2):
            x0 = frozen_vector(data["starts"][start - 1])
            built.append(Case(
                name=f"{name}-start{start}", suite="nist",
                title=f"NIST {name}, start {start}: {data['model']}",
                m=y.size, n=x0.size, x0=x0,
                residuals=residuals, jacobian=jacobian,
                options={"ftol": TOLERANCE, "xtol": TOLERANCE, "gtol": 0.0},
                certified=certified,
                about={"dataset": name, "start": start,
                       "model": data["model"], "x": x, "y": y},
            ))
    return tuple(built)
