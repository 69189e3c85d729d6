#!/usr/bin/env python3
"""A fit that lmstr runs and lmder cannot, under an address-space limit.

    python tools/lmstr_memory.py                 # m = 10**7, n = 20, 4 GB
    python tools/lmstr_memory.py --m 200000 --limit-mb 40 --n 20

The fit runs in a child process (this script re-runs itself with
``--child``) whose address space is limited with
``resource.setrlimit(RLIMIT_AS)`` to what the process already uses after a
warm-up fit plus ``--limit-mb`` (or, with ``--absolute``, to ``--limit-mb``
in total).  In that process, ``leastsq(..., Dfun_row=...)`` (MINPACK's
lmstr: O(n**2 + m) memory) fits the model, then ``leastsq(..., Dfun=...)``
(lmder: an m x n Jacobian, 8*m*n bytes, plus the user's copy of it) is
tried on the same data.  The model, for t in [0, 1):

    y(t) = p0 * exp(-p1 * t) + sum_{k=2}^{n-1} p_k * sin((k-1) * pi * t)

Each Jacobian row is computed on demand by Dfun_row (a Python call per
row, so at m = 10**7 one Jacobian takes about as many microseconds).
Prints one JSON line per solver: ok, ier, nfev, njev, seconds, peak RSS.
tests/test_lmstr.py runs the same child at m = 3*10**4, n = 50.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def address_space_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def problem(m, n):
    """residuals, Dfun_row, Dfun, start and truth of the model."""
    import numpy as np
    t = np.arange(m) / m
    k_pi = np.pi * np.arange(1, n - 1)
    truth = np.concatenate(([2.0, 3.0], 1.0 / np.arange(1, n - 1)))

    def model(p):
        value = p[0] * np.exp(-p[1] * t)
        for k in range(n - 2):  # one m-vector at a time: O(m) memory
            value += p[k + 2] * np.sin(k_pi[k] * t)
        return value

    y = model(truth)

    def residuals(p):
        return model(p) - y

    row_buffer = np.empty(n)

    def row(p, i):
        # MINPACK copies the row at once, so one buffer serves every call.
        ti = t[i]
        e = np.exp(-p[1] * ti)
        row_buffer[0] = e
        row_buffer[1] = -p[0] * ti * e
        np.sin(k_pi * ti, out=row_buffer[2:])
        return row_buffer

    def jacobian(p):
        e = np.exp(-p[1] * t)
        return np.column_stack([e, -p[0] * t * e]
                               + [np.sin(k * t) for k in k_pi])

    start = truth * 0.8
    return residuals, row, jacobian, start, truth


def child(options):
    import numpy as np
    from pyminpack import leastsq
    m, n = options.m, options.n
    # Warm up: every module and code path loaded before the limit.
    small = problem(1000, n)
    leastsq(small[0], small[3], Dfun_row=small[1])
    leastsq(small[0], small[3], Dfun=small[2])
    base = address_space_bytes()
    limit = (options.limit_mb << 20) if options.absolute \
        else base + (options.limit_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    residuals, row, jacobian, start, truth = problem(m, n)
    for solver in ("lmstr", "lmder"):
        began = time.perf_counter()
        record = {"solver": solver, "m": m, "n": n,
                  "limit_mb": round(limit / 2**20),
                  "base_mb": round(base / 2**20)}
        try:
            kwargs = {"Dfun_row": row} if solver == "lmstr" \
                else {"Dfun": jacobian}
            x, _, infodict, _, ier = leastsq(residuals, start,
                                             full_output=True, **kwargs)
            record.update(ok=True, ier=ier, nfev=infodict["nfev"],
                          njev=infodict["njev"],
                          max_error=float(np.max(np.abs(x - truth))))
        except MemoryError as error:
            record.update(ok=False, error=f"MemoryError: {error}")
        record["seconds"] = round(time.perf_counter() - began, 2)
        record["peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(record), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=10**7)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--limit-mb", type=int, default=4096)
    parser.add_argument("--absolute", action="store_true",
                        help="--limit-mb is the whole address space")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options)
        return 0
    argv = [sys.executable, os.path.abspath(__file__), "--child",
            "--m", str(options.m), "--n", str(options.n),
            "--limit-mb", str(options.limit_mb)]
    if options.absolute or "--limit-mb" not in sys.argv:
        argv.append("--absolute")
    return subprocess.run(argv).returncode


if __name__ == "__main__":
    sys.exit(main())
