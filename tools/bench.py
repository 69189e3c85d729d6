#!/usr/bin/env python3
"""pyminpack.leastsq against scipy.optimize.leastsq, side by side.

Both run in this process on the same problems, timed in alternating blocks
(ours, scipy, scipy, ours, ...) so that a slow spell of the machine hits
both alike; each figure is the median over the blocks.  Printed as a
Markdown table:

    python tools/bench.py              # about 2-3 minutes
    python tools/bench.py --quick      # well under a minute (CI smoke test)
    python tools/bench.py --plot bench.png   # also a chart (needs matplotlib)

Cases:

- small: a 3-parameter Gaussian on 50 points, lmdif and lmder;
- guide: the MINPACK users' guide example (15 x 3), lmdif and lmder;
- medium: 5 Gaussian peaks (amplitude and centre each: 10 parameters) on
  1,000 points, lmdif and lmder;
- large: 10 peaks (20 parameters) on 10,000 points, lmder with a row-major
  (m, n) Jacobian and with a col_deriv=True (n, m) one;
- threads: the large lmder case fitted twice by 2 threads at once and twice
  one after the other; the speed-up is sequential time / threaded time;
- import: ``import pyminpack`` and ``import scipy.optimize`` after numpy,
  each in fresh processes.

"wrapper" is the time per fit minus the time of making the same calls to
func and Dfun, at the same points, outside any solver (recorded once, then
replayed in the same alternating blocks): what the wrapper and MINPACK's
own arithmetic add to the user's functions.  "same x" says whether both
returned the same solution bit for bit (scipy >= 1.15 runs a C translation
of MINPACK, which may round differently; scipy 1.14.1 runs the Fortran,
like pyminpack).

There are no timed assertions here: the targets column only reports.
"""

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

import pyminpack
import scipy
import scipy.optimize

CANDIDATES = {"ours": pyminpack.leastsq, "scipy": scipy.optimize.leastsq}


# ---------------------------------------------------------------- problems

class Problem:
    """One fit: func, Dfun (or None), x0, args, col_deriv."""

    def __init__(self, name, method, func, x0, args=(), Dfun=None,
                 col_deriv=False, target=None):
        self.name, self.method = name, method
        self.func, self.Dfun, self.x0, self.args = func, Dfun, x0, args
        self.col_deriv = col_deriv
        self.target = target  # the largest acceptable ours/scipy ratio

    def fit(self, leastsq):
        kwargs = {}
        if self.Dfun is not None:
            kwargs = {"Dfun": self.Dfun, "col_deriv": self.col_deriv}
        return leastsq(self.func, self.x0, self.args, **kwargs)


def gaussian(p, t, y):
    return p[0] * np.exp(-0.5 * ((t - p[1]) / p[2]) ** 2) - y


def gaussian_jacobian(p, t, y):
    e = np.exp(-0.5 * ((t - p[1]) / p[2]) ** 2)
    d = (t - p[1]) / p[2]
    return np.column_stack([e, p[0] * e * d / p[2], p[0] * e * d * d / p[2]])


def small_problems():
    t = np.linspace(-3.0, 3.0, 50)
    noise = np.random.default_rng(0).standard_normal(50)
    y = gaussian([2.0, 0.3, 0.8], t, 0.0) + 0.01 * noise
    x0 = np.array([1.0, 0.0, 1.0])
    return [Problem("small Gaussian 50x3", "lmdif", gaussian, x0, (t, y),
                    target=0.90),
            Problem("small Gaussian 50x3", "lmder", gaussian, x0, (t, y),
                    gaussian_jacobian, target=0.75)]


def guide_problems():
    from pyminpack import _demo
    return [Problem("users' guide 15x3", "lmdif", _demo.residuals, _demo.X0),
            Problem("users' guide 15x3", "lmder", _demo.residuals, _demo.X0,
                    Dfun=_demo.jacobian)]


class Peaks:
    """k Gaussian peaks of fixed width: amplitudes a and centres c (n = 2k).

    The Jacobian is computed the way a user would for each layout: (m, n)
    from (m, k) blocks, or (n, m) from (k, m) blocks for col_deriv.
    """

    width = 0.05

    def __init__(self, k, m):
        self.k = k
        self.t = np.linspace(0.0, 1.0, m)
        centres = (np.arange(k) + 0.5) / k
        amplitudes = 1.0 + 0.5 * np.sin(np.arange(k))
        self.truth = np.concatenate([amplitudes, centres])
        noise = np.random.default_rng(1).standard_normal(m)
        self.y = self.model(self.truth) + 1e-3 * noise
        self.x0 = np.concatenate([np.ones(k), centres + 0.1 / k])

    def model(self, p):
        a, c = p[:self.k], p[self.k:]
        z = (self.t[:, None] - c) / self.width
        return np.exp(-0.5 * z * z) @ a

    def residuals(self, p):
        return self.model(p) - self.y

    def jacobian(self, p):  # (m, n), C order
        a, c = p[:self.k], p[self.k:]
        z = (self.t[:, None] - c) / self.width
        e = np.exp(-0.5 * z * z)
        return np.concatenate([e, e * (a * z / self.width)], axis=1)

    def jacobian_t(self, p):  # (n, m), C order
        a, c = p[:self.k, None], p[self.k:, None]
        z = (self.t - c) / self.width
        e = np.exp(-0.5 * z * z)
        return np.concatenate([e, e * (a * z / self.width)], axis=0)


def medium_problems():
    peaks = Peaks(5, 1000)
    name = "medium 1000x10"
    return [Problem(name, "lmdif", peaks.residuals, peaks.x0),
            Problem(name, "lmder", peaks.residuals, peaks.x0,
                    Dfun=peaks.jacobian)]


def large_problems():
    peaks = Peaks(10, 10000)
    name = "large 10000x20"
    return [Problem(name, "lmder", peaks.residuals, peaks.x0,
                    Dfun=peaks.jacobian, target=1.0),
            Problem(name, "lmder col_deriv", peaks.residuals, peaks.x0,
                    Dfun=peaks.jacobian_t, col_deriv=True, target=1.0)]


# ------------------------------------------------------------------ timing

def per_call(function, repeat):
    """Seconds per call of function(), over `repeat` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - start) / repeat


def block_size(function, seconds):
    """How many calls of function() take about `seconds`."""
    once = per_call(function, 1)
    once = min(once, per_call(function, 1))
    return max(1, int(seconds / max(once, 1e-7)))


def interleaved(functions, blocks, seconds):
    """Median seconds per call of each function, in alternating blocks."""
    sizes = {key: block_size(f, seconds) for key, f in functions.items()}
    times = {key: [] for key in functions}
    keys = list(functions)
    for block in range(blocks):
        for key in (keys if block % 2 == 0 else keys[::-1]):
            times[key].append(per_call(functions[key], sizes[key]))
    return {key: statistics.median(v) for key, v in times.items()}


def recorded_calls(problem, leastsq):
    """The (function, x) of every call a fit makes to func and Dfun."""
    calls = []

    def recording(f):
        def wrapper(x, *args):
            calls.append((f, x.copy()))
            return f(x, *args)
        return wrapper

    Problem(problem.name, problem.method, recording(problem.func),
            problem.x0, problem.args,
            None if problem.Dfun is None else recording(problem.Dfun),
            problem.col_deriv).fit(leastsq)
    return calls


def replay(calls, args):
    """Make the same calls again, each with a fresh x as a fit gives it."""
    for f, x in calls:
        f(x.copy(), *args)


def run_case(problem, blocks, seconds):
    results = {key: problem.fit(f) for key, f in CANDIDATES.items()}
    same = np.array_equal(results["ours"][0], results["scipy"][0])
    timings = {key: (lambda f=f: problem.fit(f))
               for key, f in CANDIDATES.items()}
    calls = {key: recorded_calls(problem, f) for key, f in CANDIDATES.items()}
    # The user's share of each fit: its own calls, replayed at its own x.
    for key in CANDIDATES:
        timings[key + " user"] = (
            lambda c=calls[key]: replay(c, problem.args))
    medians = interleaved(timings, blocks, seconds)
    row = {"case": problem.name, "method": problem.method, "same": same,
           "target": problem.target}
    for key in CANDIDATES:
        row[key] = medians[key]
        row[key + " calls"] = (
            sum(f is problem.func for f, _ in calls[key]),
            sum(f is problem.Dfun for f, _ in calls[key]))
        row[key + " wrapper"] = medians[key] - medians[key + " user"]
    row["ratio"] = row["ours"] / row["scipy"]
    return row


def threaded(problem, repeats):
    """Speed-up of 2 fits in 2 threads over the same 2 fits in sequence."""
    def sequential(leastsq):
        start = time.perf_counter()
        problem.fit(leastsq)
        problem.fit(leastsq)
        return time.perf_counter() - start

    def parallel(leastsq):
        barrier = threading.Barrier(3)

        def work():
            barrier.wait()
            problem.fit(leastsq)
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        return time.perf_counter() - start

    times = {(key, how): [] for key in CANDIDATES
             for how in ("sequential", "parallel")}
    for r in range(repeats):
        order = list(CANDIDATES) if r % 2 == 0 else list(CANDIDATES)[::-1]
        for key in order:
            leastsq = CANDIDATES[key]
            times[key, "sequential"].append(sequential(leastsq))
            times[key, "parallel"].append(parallel(leastsq))
    return {key: statistics.median(times[key, "sequential"])
            / statistics.median(times[key, "parallel"])
            for key in CANDIDATES}


IMPORT_SNIPPET = """\
import time, numpy
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""


def import_times(repeats):
    """Median seconds to import each module after numpy, fresh processes."""
    modules = {"ours": "pyminpack", "scipy": "scipy.optimize"}
    times = {key: [] for key in modules}
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    # Under `python -S` (to bypass an editable install, see environment())
    # the fresh processes must skip site too.
    python = [sys.executable] + (["-S"] if sys.flags.no_site else [])
    for r in range(repeats):
        for key in (modules if r % 2 == 0 else list(modules)[::-1]):
            code = IMPORT_SNIPPET.format(module=modules[key])
            out = subprocess.run(python + ["-c", code], env=env,
                                 check=True, capture_output=True, text=True)
            times[key].append(float(out.stdout.split()[-1]))
    return {key: statistics.median(v) for key, v in times.items()}


# ----------------------------------------------------------------- report

def microseconds(seconds):
    us = seconds * 1e6
    if abs(us) >= 10000:
        return f"{us / 1000:.1f} ms"
    return f"{us:.1f} us" if abs(us) < 100 else f"{us:.0f} us"


def verdict(value, target, at_most=True):
    if target is None:
        return ""
    ok = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    return f"{sign} {target:g} {'met' if ok else 'MISSED'}"


def table(rows, speedups, imports):
    lines = [
        "| case | method | ours | scipy | ours/scipy | target | calls "
        "ours / scipy | wrapper ours | wrapper scipy | same x |",
        "|---|---|---:|---:|---:|---|---|---:|---:|---|"]
    for row in rows:
        calls = " / ".join(
            "+".join(str(c) for c in row[key + " calls"] if c)
            for key in CANDIDATES)
        lines.append(
            f"| {row['case']} | {row['method']} | {microseconds(row['ours'])}"
            f" | {microseconds(row['scipy'])} | {row['ratio']:.3f} | "
            f"{verdict(row['ratio'], row['target'])} | {calls} | "
            f"{microseconds(row['ours wrapper'])} | "
            f"{microseconds(row['scipy wrapper'])} | "
            f"{'yes' if row['same'] else 'no'} |")
    if speedups is not None:
        lines.append(
            f"| large 10000x20, 2 threads | lmder | {speedups['ours']:.2f}x "
            f"| {speedups['scipy']:.2f}x | | "
            f"{verdict(speedups['ours'], 1.5, at_most=False)} (speed-up) "
            f"| | | | |")
    if imports is not None:
        ratio = imports["ours"] / imports["scipy"]
        lines.append(
            f"| import after numpy | | {microseconds(imports['ours'])} | "
            f"{microseconds(imports['scipy'])} | {ratio:.3f} | "
            f"{verdict(ratio, 0.05)} | | | | |")
    return "\n".join(lines)


def environment():
    import platform
    lines = [f"pyminpack {pyminpack.__version__}, scipy {scipy.__version__}, "
             f"numpy {np.__version__}, Python {platform.python_version()}, "
             f"{platform.machine()}, {os.cpu_count()} CPUs"]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_NUM_THREADS",
                "OMP_NUM_THREADS"):
        if var in os.environ:
            lines.append(f"{var}={os.environ[var]} is set")
    if "_pyminpack_editable_loader" in sys.modules:
        lines.append("pyminpack is an editable install: its import time "
                     "includes meson-python's rebuild check (a wheel's "
                     "does not; to measure one, run this script with "
                     "python -S and PYTHONPATH=the wheel's files:"
                     "site-packages)")
    return "; ".join(lines)


def plot(rows, speedups, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(no matplotlib: {path} not drawn)", file=sys.stderr)
        return
    labels = [f"{r['case']}\n{r['method']}" for r in rows]
    ratios = [r["ratio"] for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(rows) + 1.5))
    ax.barh(labels, ratios, color="tab:blue")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("time per fit, pyminpack / scipy (lower is faster)")
    if speedups is not None:
        ax.set_title(f"2 threads on the large case: pyminpack "
                     f"{speedups['ours']:.2f}x, "
                     f"scipy {speedups['scipy']:.2f}x")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"(chart written to {path})", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer and shorter blocks: well under a minute")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also draw the ratios (needs matplotlib)")
    options = parser.parse_args(argv)

    blocks, seconds, thread_repeats, import_repeats = (
        (5, 0.02, 3, 3) if options.quick else (21, 0.05, 9, 11))
    print(environment(), file=sys.stderr)
    rows = []
    problems = (small_problems() + guide_problems() + medium_problems()
                + large_problems())
    for problem in problems:
        print(f"... {problem.name} {problem.method}", file=sys.stderr)
        rows.append(run_case(problem, blocks, seconds))
    print("... 2 threads", file=sys.stderr)
    speedups = threaded(large_problems()[0], thread_repeats)
    print("... import times", file=sys.stderr)
    imports = import_times(import_repeats)
    print(f"Medians; {environment()}.\n")
    print(table(rows, speedups, imports))
    if options.plot:
        plot(rows, speedups, options.plot)


if __name__ == "__main__":
    main()
