#!/usr/bin/env python3
"""pyminpack.leastsq_batch, cminpack-numba and leastsq loops, side by side.

Everything runs in this process on the same data: the compiled kind of
``leastsq_batch`` (numba ``@cfunc`` callbacks, 1 and 2 C threads), the
vectorized kind (``vectorized=True``: a numpy ``model(X, y)`` for all the
fits waiting, X (k, n), y (k, m), returning (k, m); ``Dfun`` (k, m, n)), the
plain kind (a Python ``func(x, row)``), a ``scipy.optimize.leastsq`` loop, a
``pyminpack.leastsq`` loop, and cminpack-numba (a C port of MINPACK whose
``lmdif_``/``lmder_`` are called from an ``@njit`` loop with ``@cfunc``
callbacks; minpack-numba, the fortran-lang port, too when it is installed).
Printed as Markdown tables:

    python tools/bench_batch.py            # about 3.5-4 minutes
    python tools/bench_batch.py --quick    # about 15 s, most of it numba
                                           # compiling: small K, few rounds

Needs numba; cminpack-numba and minpack-numba are optional (their columns
say "n/a" without them).

Problems (spec ``batch.md`` section 3), 50 points each, every fit its own
noisy curve from a seeded RNG, each with lmdif (no Jacobian) and lmder (an
analytic one):

- decay: y = a*exp(-b*t) + c (3 parameters), every fit from the same x0;
- Gaussian: y = a*exp(-((t-mu)/s)**2/2) + c (4 parameters), a per-fit x0
  guessed from the curve (baseline, height, position of the maximum).

Fit k's data is one row ``[t..., y...]`` of a (K, 100) array: the compiled
callbacks get its address, the Python functions the row.  The vectorized
kind gets ``data=Y``, the (K, 50) array of the y values alone (t is the
same for every fit, a constant of the model), and is checked bit for bit
against ``pyminpack.leastsq`` on single fits with the 1-D version of the
same numpy model, ``f(p, y)``.  The compiled
callbacks of pyminpack, cminpack-numba and minpack-numba all call the same
numba kernels (``math.exp``, libm's scalar exp), so their arithmetic is the
same; the Python functions use numpy.  cminpack and fortran-lang minpack
take float64's epsilon for ``dpmpar(1)`` where netlib's Fortran has
2.22044604926e-16, so their lmdif gets ``epsfcn`` = that value, which makes
the forward-difference steps the same (the "default epsfcn" column shows
what their own value gives).

Timing: each figure is the best of several rounds, the methods of a case
taking turns within every round so that a slow spell of the machine hits
them alike; ratios are of the best rounds.  On a shared machine a 2-thread
run needs both cores free: the "CPUs busy" column says whether it had them.
The compiled and vectorized batches and the ports' loops run K = 2,000 and
100,000 fits (the 2,000 are the first 2,000 of the 100,000); the Python
loops and the plain batch a smaller K.  The vectorized batch (1 thread)
takes turns with cminpack-numba in the same rounds; its ratio to the scipy
loop is of best rounds in different tables.  A pyminpack batch computes
cov_x and fnorm for every fit as well; the cminpack-numba loop only fits.

Memory: tracemalloc's peak during a 100,000-fit compiled batch (2 threads)
and during 2,000- and 100,000-fit vectorized batches, over what was traced
before the call (the input rows are not counted); it traces numpy's arrays
and the C engine's PyMem_RawMalloc work space, not the threads' or the
fibers' stacks (those of the vectorized kind are read from
/proc/self/smaps during a batch).  "blocks" is sys.getallocatedblocks()
after minus before, with the result still held: Python objects left per
batch.  The header says how busy the machine was with other processes
(/proc/stat against this process's CPU time).

There are no timed assertions here: the targets columns only report.
"""

import argparse
import math
import os
import platform
import sys
import threading
import time
import tracemalloc

import numpy as np

try:
    import numba
    from numba import carray, cfunc, njit, types
except ImportError:  # pragma: no cover - reported, not tested
    sys.exit("tools/bench_batch.py needs numba (pip install numba)")

import pyminpack
import scipy
import scipy.optimize
from pyminpack import _batch, _minpack

try:
    import cminpack_numba
except ImportError:
    cminpack_numba = None
try:
    import minpack_numba
except ImportError:
    minpack_numba = None

M = 50                       # points per curve
IN_FLIGHT = _batch._VECTORIZED_SLOTS  # a vectorized batch's fits in flight
DPMPAR = _minpack.DPMPAR_EPSILON
DP = types.CPointer(types.double)
RESIDUAL_SIG = types.intc(types.intc, types.intc, DP, DP, DP)
JACOBIAN_SIG = types.intc(types.intc, types.intc, DP, DP, types.intc, DP)
IP = types.CPointer(types.int32)


# ------------------------------------------------------------ the kernels
# One numba kernel per model and quantity, called by every compiled
# callback, so that pyminpack's and the ports' arithmetic is the same.
# d is fit k's row: t = d[:m], y = d[m:]; J is column-major, J[i + j*ld].

@njit(inline="always")
def decay_f(x, d, f, m):
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]


@njit(inline="always")
def decay_j(x, d, J, ld, m):
    for i in range(m):
        e = math.exp(-x[1] * d[i])
        J[i] = e
        J[i + ld] = -x[0] * d[i] * e
        J[i + 2 * ld] = 1.0


@njit(inline="always")
def gauss_f(x, d, f, m):
    for i in range(m):
        z = (d[i] - x[1]) / x[2]
        f[i] = x[0] * math.exp(-0.5 * z * z) + x[3] - d[m + i]


@njit(inline="always")
def gauss_j(x, d, J, ld, m):
    for i in range(m):
        z = (d[i] - x[1]) / x[2]
        e = math.exp(-0.5 * z * z)
        J[i] = e
        J[i + ld] = x[0] * e * z / x[2]
        J[i + 2 * ld] = x[0] * e * z * z / x[2]
        J[i + 3 * ld] = 1.0


# The t grids of the two problems, shared by every fit.
T_DECAY = np.linspace(0.0, 4.0, M)
T_GAUSS = np.linspace(-5.0, 5.0, M)


# The same formulas in numpy, for the Python kinds (scipy, leastsq, plain).

def decay_py(p, row):
    t, y = row[:M], row[M:]
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def decay_py_jac(p, row):
    t = row[:M]
    e = np.exp(-p[1] * t)
    return np.column_stack([e, -p[0] * t * e, np.ones(M)])


def gauss_py(p, row):
    t, y = row[:M], row[M:]
    z = (t - p[1]) / p[2]
    return p[0] * np.exp(-0.5 * z * z) + p[3] - y


def gauss_py_jac(p, row):
    t = row[:M]
    z = (t - p[1]) / p[2]
    e = np.exp(-0.5 * z * z)
    return np.column_stack([e, p[0] * e * z / p[2], p[0] * e * z * z / p[2],
                            np.ones(M)])


# The same formulas once more for the vectorized kind: X (k, n) holds the
# points of the k fits waiting, y (k, m) their rows of data; f is (k, m),
# the Jacobian (k, m, n).  Each has a 1-D twin, f(p, y) for one fit, doing
# the same arithmetic in the same order (numpy's exp gives the same bits on
# a block as row by row), for pyminpack.leastsq on one fit.

def decay_vec(X, y):
    return X[:, 0:1] * np.exp(-X[:, 1:2] * T_DECAY) + X[:, 2:3] - y


def decay_vec_jac(X, y):
    e = np.exp(-X[:, 1:2] * T_DECAY)
    J = np.empty((X.shape[0], M, 3))
    J[:, :, 0] = e
    J[:, :, 1] = -X[:, 0:1] * T_DECAY * e
    J[:, :, 2] = 1.0
    return J


def decay_one(p, y):
    return p[0] * np.exp(-p[1] * T_DECAY) + p[2] - y


def decay_one_jac(p, y):
    e = np.exp(-p[1] * T_DECAY)
    return np.column_stack([e, -p[0] * T_DECAY * e, np.ones(M)])


def gauss_vec(X, y):
    z = (T_GAUSS - X[:, 1:2]) / X[:, 2:3]
    return X[:, 0:1] * np.exp(-0.5 * z * z) + X[:, 3:4] - y


def gauss_vec_jac(X, y):
    z = (T_GAUSS - X[:, 1:2]) / X[:, 2:3]
    e = np.exp(-0.5 * z * z)
    a, s = X[:, 0:1], X[:, 2:3]
    J = np.empty((X.shape[0], M, 4))
    J[:, :, 0] = e
    J[:, :, 1] = a * e * z / s
    J[:, :, 2] = a * e * z * z / s
    J[:, :, 3] = 1.0
    return J


def gauss_one(p, y):
    z = (T_GAUSS - p[1]) / p[2]
    return p[0] * np.exp(-0.5 * z * z) + p[3] - y


def gauss_one_jac(p, y):
    z = (T_GAUSS - p[1]) / p[2]
    e = np.exp(-0.5 * z * z)
    return np.column_stack([e, p[0] * e * z / p[2], p[0] * e * z * z / p[2],
                            np.ones(M)])


# ------------------------------------------------------------- callbacks

def pyminpack_callbacks(kf, kj):
    """pyminpack's signatures: func(m, n, x, fvec, ud), jac(..., ld, ud)."""
    @cfunc(RESIDUAL_SIG)
    def func(m, n, xp, fp, ud):
        kf(carray(xp, (n,)), carray(ud, (2 * m,)), carray(fp, (m,)), m)
        return 0

    @cfunc(JACOBIAN_SIG)
    def jac(m, n, xp, jp, ld, ud):
        kj(carray(xp, (n,)), carray(ud, (2 * m,)), carray(jp, (ld * n,)),
           ld, m)
        return 0
    return func, jac


def cminpack_callbacks(kf, kj):
    """cminpack's: fcn(ud, m, n, x, fvec, iflag), lmder's with fjac, ld."""
    if cminpack_numba is None:
        return None, None
    sig = cminpack_numba.CminpackSignature

    @cfunc(sig.lmdif(udata_type=DP))
    def func(ud, m, n, xp, fp, iflag):
        kf(carray(xp, (n,)), carray(ud, (2 * m,)), carray(fp, (m,)), m)
        return 0

    @cfunc(sig.lmder(udata_type=DP))
    def funcjac(ud, m, n, xp, fp, jp, ld, iflag):
        if iflag == 1:
            kf(carray(xp, (n,)), carray(ud, (2 * m,)), carray(fp, (m,)), m)
        elif iflag == 2:
            kj(carray(xp, (n,)), carray(ud, (2 * m,)), carray(jp, (ld * n,)),
               ld, m)
        return 0
    return func, funcjac


def minpack_callbacks(kf, kj):
    """fortran-lang minpack's: void fcn(m, n, x, fvec, *iflag, ud)."""
    if minpack_numba is None:
        return None, None
    mp_lmdif = types.void(types.int32, types.int32, DP, DP, IP, DP)
    mp_lmder = types.void(types.int32, types.int32, DP, DP, DP, types.int32,
                          IP, DP)

    @cfunc(mp_lmdif)
    def func(m, n, xp, fp, iflag, ud):
        kf(carray(xp, (n,)), carray(ud, (2 * m,)), carray(fp, (m,)), m)

    @cfunc(mp_lmder)
    def funcjac(m, n, xp, fp, jp, ld, iflag, ud):
        if iflag[0] == 1:
            kf(carray(xp, (n,)), carray(ud, (2 * m,)), carray(fp, (m,)), m)
        elif iflag[0] == 2:
            kj(carray(xp, (n,)), carray(ud, (2 * m,)), carray(jp, (ld * n,)),
               ld, m)
    return func, funcjac


# ------------------------------------------------- the ports' @njit loops
# One loop per port and method, for every model (the callback is an
# address): x (K, n) holds the starts and gets the solutions.

def make_port_loops():
    loops = {}
    if cminpack_numba is not None:
        cm = cminpack_numba

        @njit
        def cm_lmdif(fcn, rows, x, ier, nfev, njev, m, epsfcn, maxfev):
            K, n = x.shape
            fvec = np.empty(m)
            fjac = np.empty((n, m))
            ipvt = np.empty(n, np.int32)
            qtf = np.empty(n)
            wa1, wa2, wa3 = np.empty(n), np.empty(n), np.empty(n)
            wa4 = np.empty(m)
            diag = np.ones(n)
            nfp = cm.ptr_from_val(np.int32(0))
            for k in range(K):
                r = cm.lmdif_(fcn, m, n, x[k], fvec, 1.49012e-8, 1.49012e-8,
                              0.0, maxfev, epsfcn, diag, 1, 100.0, 0, nfp,
                              fjac, m, ipvt, qtf, wa1, wa2, wa3, wa4, rows[k])
                nfev[k] = r[5]
                ier[k] = r[6]

        @njit
        def cm_lmder(fcn, rows, x, ier, nfev, njev, m, epsfcn, maxfev):
            K, n = x.shape
            fvec = np.empty(m)
            fjac = np.empty((n, m))
            ipvt = np.empty(n, np.int32)
            qtf = np.empty(n)
            wa1, wa2, wa3 = np.empty(n), np.empty(n), np.empty(n)
            wa4 = np.empty(m)
            diag = np.ones(n)
            nfp = cm.ptr_from_val(np.int32(0))
            njp = cm.ptr_from_val(np.int32(0))
            for k in range(K):
                r = cm.lmder_(fcn, m, n, x[k], fvec, fjac, m, 1.49012e-8,
                              1.49012e-8, 0.0, maxfev, diag, 1, 100.0, 0,
                              nfp, njp, ipvt, qtf, wa1, wa2, wa3, wa4,
                              rows[k])
                nfev[k] = r[5]
                njev[k] = r[6]
                ier[k] = r[7]
        loops["cminpack-numba"] = (cm_lmdif, cm_lmder)
    if minpack_numba is not None:
        mp = minpack_numba

        @njit
        def mp_lmdif(fcn, rows, x, ier, nfev, njev, m, epsfcn, maxfev):
            K, n = x.shape
            fvec = np.empty(m)
            fjac = np.empty((n, m))
            ipvt = np.empty(n, np.int32)
            qtf = np.empty(n)
            wa1, wa2, wa3 = np.empty(n), np.empty(n), np.empty(n)
            wa4 = np.empty(m)
            diag = np.ones(n)
            infop = mp.ptr_from_val(np.int32(0))
            nfp = mp.ptr_from_val(np.int32(0))
            for k in range(K):
                r = mp.lmdif_(fcn, m, n, x[k], fvec, 1.49012e-8, 1.49012e-8,
                              0.0, maxfev, epsfcn, diag, 1, 100.0, 0, infop,
                              nfp, fjac, m, ipvt, qtf, wa1, wa2, wa3, wa4,
                              rows[k])
                nfev[k] = r[5]
                ier[k] = r[6]

        @njit
        def mp_lmder(fcn, rows, x, ier, nfev, njev, m, epsfcn, maxfev):
            K, n = x.shape
            fvec = np.empty(m)
            fjac = np.empty((n, m))
            ipvt = np.empty(n, np.int32)
            qtf = np.empty(n)
            wa1, wa2, wa3 = np.empty(n), np.empty(n), np.empty(n)
            wa4 = np.empty(m)
            diag = np.ones(n)
            infop = mp.ptr_from_val(np.int32(0))
            nfp = mp.ptr_from_val(np.int32(0))
            njp = mp.ptr_from_val(np.int32(0))
            for k in range(K):
                r = mp.lmder_(fcn, m, n, x[k], fvec, fjac, m, 1.49012e-8,
                              1.49012e-8, 0.0, maxfev, diag, 1, 100.0, 0,
                              infop, nfp, njp, ipvt, qtf, wa1, wa2, wa3, wa4,
                              rows[k])
                nfev[k] = r[5]
                njev[k] = r[6]
                ier[k] = r[7]
        loops["minpack-numba"] = (mp_lmdif, mp_lmder)
    return loops


PORT_LOOPS = make_port_loops()
PORTS = ("cminpack-numba", "minpack-numba")


class PortResult:
    __slots__ = ("x", "ier", "nfev", "njev")


def run_port(name, method, address, rows, x0, epsfcn=DPMPAR):
    """The port's @njit loop over rows; x0 (K, n)."""
    count, n = x0.shape
    out = PortResult()
    out.x = x0.copy()
    out.ier = np.zeros(count, np.int32)
    out.nfev = np.zeros(count, np.int32)
    out.njev = np.zeros(count, np.int32)
    lmdif, lmder = PORT_LOOPS[name]
    loop = lmdif if method == "lmdif" else lmder
    maxfev = 200 * (n + 1) if method == "lmdif" else 100 * (n + 1)
    loop(address, rows, out.x, out.ier, out.nfev, out.njev, M, epsfcn,
         maxfev)
    return out


# ------------------------------------------------------------ the models

class Model:
    def __init__(self, name, n, kf, kj, py, py_jac, vec, one, generate):
        self.name, self.n = name, n
        self.py, self.py_jac = py, py_jac
        self.vec, self.vec_jac = vec     # vectorized: (k, n) -> (k, m)
        self.one, self.one_jac = one     # the same for one fit, 1-D
        self.generate = generate
        self.func, self.jac = pyminpack_callbacks(kf, kj)
        self.cminpack = cminpack_callbacks(kf, kj)
        self.minpack = minpack_callbacks(kf, kj)

    def port_address(self, port, method):
        pair = self.cminpack if port == "cminpack-numba" else self.minpack
        return pair[0 if method == "lmdif" else 1].address


def decay_data(count, seed):
    """Rows [t, y] of decays a*exp(-b*t) + c + noise; one x0 for all."""
    rng = np.random.default_rng(seed)
    t = T_DECAY
    a = rng.uniform(1.0, 3.0, (count, 1))
    b = rng.uniform(0.5, 2.0, (count, 1))
    c = rng.uniform(-0.5, 0.5, (count, 1))
    rows = np.empty((count, 2 * M))
    rows[:, :M] = t
    rows[:, M:] = (a * np.exp(-b * t) + c
                   + 0.02 * rng.standard_normal((count, M)))
    return rows, np.array([1.0, 1.0, 0.0])


def gauss_data(count, seed):
    """Rows [t, y] of peaks a*exp(-((t-mu)/s)**2/2) + c + noise, and a
    per-fit x0 guessed from each curve."""
    rng = np.random.default_rng(seed)
    t = T_GAUSS
    a = rng.uniform(1.0, 3.0, (count, 1))
    mu = rng.uniform(-1.5, 1.5, (count, 1))
    s = rng.uniform(0.5, 1.5, (count, 1))
    c = rng.uniform(-0.3, 0.3, (count, 1))
    rows = np.empty((count, 2 * M))
    rows[:, :M] = t
    y = rows[:, M:]
    y[:] = (a * np.exp(-0.5 * ((t - mu) / s) ** 2) + c
            + 0.05 * rng.standard_normal((count, M)))
    base = np.median(y, axis=1)
    x0 = np.column_stack([y.max(axis=1) - base, t[np.argmax(y, axis=1)],
                          np.ones(count), base])
    return rows, x0


def models():
    return [Model("decay 50x3", 3, decay_f, decay_j, decay_py, decay_py_jac,
                  (decay_vec, decay_vec_jac), (decay_one, decay_one_jac),
                  decay_data),
            Model("Gaussian 50x4", 4, gauss_f, gauss_j, gauss_py,
                  gauss_py_jac, (gauss_vec, gauss_vec_jac),
                  (gauss_one, gauss_one_jac), gauss_data)]


# ---------------------------------------------------------------- methods

def compiled_batch(model, method, rows, x0, threads):
    jac = model.jac if method == "lmder" else None
    return pyminpack.leastsq_batch(model.func, x0, Dfun=jac, data=rows, m=M,
                                   threads=threads)


def two_halves(model, method, rows, x0):
    """A control for the pool: the two halves of the batch as two
    1-thread batches in two Python threads at once (the GIL is released
    throughout each)."""
    half = rows.shape[0] // 2
    parts = [(rows[:half], x0[:half] if x0.ndim == 2 else x0),
             (rows[half:], x0[half:] if x0.ndim == 2 else x0)]
    results = [None, None]

    def work(i):
        results[i] = compiled_batch(model, method, *parts[i], 1)
    workers = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


def vectorized_batch(model, method, y, x0, func=None, jac=None):
    """leastsq_batch(vectorized=True): y (K, m) the curves' values, the t
    grid being shared (a global of the model)."""
    jac = (jac or model.vec_jac) if method == "lmder" else None
    return pyminpack.leastsq_batch(func or model.vec, x0, Dfun=jac, data=y,
                                   vectorized=True)


class CallCounter:
    """A vectorized func that counts its calls and the rows it was given."""

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.rows = 0

    def __call__(self, X, *rest):
        self.calls += 1
        self.rows += X.shape[0]
        return self.function(X, *rest)


def plain_batch(model, method, rows, x0):
    jac = model.py_jac if method == "lmder" else None
    return pyminpack.leastsq_batch(model.py, x0, Dfun=jac, data=rows)


def starts(x0, count):
    """x0 as (K, n)."""
    return np.array(np.broadcast_to(x0, (count, x0.shape[-1])))


def leastsq_loop(leastsq, func, jac, rows, x0):
    """leastsq on each row in turn (full_output): a dict of x, ier, nfev,
    njev, fvec and cov_x (NaN for None) over the fits."""
    count = rows.shape[0]
    x0 = starts(x0, count)
    x = np.empty_like(x0)
    ier = np.empty(count, np.int32)
    nfev = np.empty(count, np.int32)
    njev = np.zeros(count, np.int32)
    fvec = np.empty((count, M))
    cov = np.full((count,) + x0.shape[1:] * 2, np.nan)
    extra = {} if jac is None else {"Dfun": jac}
    for k in range(count):
        xk, cov_k, info, _, ier_k = leastsq(
            func, x0[k], (rows[k],), full_output=True, **extra)
        x[k], ier[k], nfev[k] = xk, ier_k, info["nfev"]
        njev[k] = info.get("njev", 0)
        fvec[k] = info["fvec"]
        if cov_k is not None:
            cov[k] = cov_k
    return dict(x=x, ier=ier, nfev=nfev, njev=njev, fvec=fvec, cov_x=cov)


# ----------------------------------------------------------------- timing

class Timings:
    """Wall and CPU seconds of each function in every round."""

    def __init__(self, functions, rounds, repeat=1):
        """Call each function `repeat` times in a row in every round (so
        that a short batch is timed over as long as a long one, and meets
        the machine's noise alike); the times are per call."""
        self.wall = {key: [] for key in functions}
        self.cpu = {key: [] for key in functions}
        self.results = {}
        keys = list(functions)
        for r in range(rounds):
            # Take turns, each round starting one further along.
            for key in keys[r % len(keys):] + keys[:r % len(keys)]:
                start_cpu = time.process_time()
                start = time.perf_counter()
                for _ in range(repeat):
                    self.results[key] = functions[key]()
                self.wall[key].append((time.perf_counter() - start) / repeat)
                self.cpu[key].append((time.process_time() - start_cpu)
                                     / repeat)

    def rate(self, key, count):
        """Fits/s of the best round."""
        return count / min(self.wall[key])

    def speedup(self, key, over):
        """How much faster `key` is than `over`, best round against best
        round.  (Best rounds, not paired ones: on a shared machine another
        process slows a 2-thread run far more than a 1-thread one, and the
        best rounds are those where this process had the cores it asked
        for.)"""
        return min(self.wall[over]) / min(self.wall[key])

    def busy(self, key):
        """CPU time over wall time in the best round of `key`."""
        best = min(range(len(self.wall[key])), key=self.wall[key].__getitem__)
        return self.cpu[key][best] / self.wall[key][best]


def peak_memory(function):
    """(peak traced bytes over the start, blocks left, result)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        blocks = sys.getallocatedblocks()
        result = function()
        peak = tracemalloc.get_traced_memory()[1] - before
        blocks = sys.getallocatedblocks() - blocks
    finally:
        tracemalloc.stop()
    return peak, blocks, result


def fiber_stacks():
    """(count, resident bytes) of the read-write anonymous 64 KiB mappings
    in /proc/self/smaps: the vectorized batch's fiber stacks (fiber.c maps
    each with a guard page below it, so two stacks never merge into one
    mapping); None off Linux."""
    try:
        with open("/proc/self/smaps") as smaps:
            text = smaps.read()
    except OSError:
        return None
    count = resident = 0
    wanted = size_ok = False
    for line in text.splitlines():
        head = line.split()
        if not head:
            continue
        if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
            # A mapping's first line: address perms offset dev inode [path].
            wanted = head[1].startswith("rw") and head[4] == "0" \
                and len(head) == 5
            size_ok = False
        elif wanted and head[0] == "Size:":
            size_ok = head[1] == "64"
        elif wanted and size_ok and head[0] == "Rss:":
            count += 1
            resident += int(head[1]) * 1024
    return count, resident


class StackSampler:
    """A vectorized func that reads fiber_stacks() at its 2nd, 4th, 8th,
    ... call (the 1st is the first round, called in Python before the
    fibers exist; a read costs tens of ms with a thousand stacks mapped) and keeps the largest
    (count, resident) seen: what the fibers in flight really hold
    (tracemalloc does not see mmap)."""

    def __init__(self, function):
        self.function = function
        self.calls = 0
        self.next_sample = 2
        self.most = (0, 0)

    def __call__(self, X, *rest):
        self.calls += 1
        if self.calls == self.next_sample:
            self.next_sample *= 2
            seen = fiber_stacks()
            if seen is not None:
                self.most = max(self.most, seen, key=lambda c: c[1])
        return self.function(X, *rest)


def result_bytes(result):
    total = 0
    for name in ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "success",
                 "status"):
        value = getattr(result, name)
        if value is not None:
            total += value.nbytes
    return total


# ------------------------------------------------------------ agreement

def same_rows(a, b):
    """Per fit: every entry the same bits (NaN equal to NaN)."""
    a = np.asarray(a).reshape(len(a), -1)
    b = np.asarray(b).reshape(len(b), -1)
    return (a.view(np.uint64) == b.view(np.uint64)).all(axis=1)


def batch_vs_leastsq(model, method, rows, x0, result, sample,
                     vectorized=False):
    """Fits in `sample` of a compiled batch against pyminpack.leastsq on
    each alone (same compiled callbacks), or with `vectorized` of a
    vectorized batch against leastsq with the 1-D numpy model on row k of
    `rows` (y): how many agree in x, ier, nfev, njev, fnorm and cov_x, to
    the bit."""
    if vectorized:
        func, jac, extra = model.one, model.one_jac, {}
    else:
        func, jac, extra = model.func, model.jac, {"m": M}
    jac = jac if method == "lmder" else None
    x0 = starts(x0, rows.shape[0])
    agree = 0
    for k in sample:
        xk, cov_k, info, _, ier_k = pyminpack.leastsq(
            func, x0[k], (rows[k],), jac, full_output=True, **extra)
        cov_k = np.full((model.n, model.n), np.nan) if cov_k is None \
            else cov_k
        fnorm = _minpack.enorm(info["fvec"])
        ok = (same_rows(xk[None], result.x[k][None])[0]
              and ier_k == result.ier[k] and info["nfev"] == result.nfev[k]
              and (jac is None or info["njev"] == result.njev[k])
              and same_rows(np.array([[fnorm]]),
                            result.fnorm[k:k + 1, None])[0]
              and same_rows(cov_k[None], result.cov_x[k][None])[0])
        agree += bool(ok)
    return agree, len(sample)


def same_batches(a, b):
    """Fits where two batch results agree to the bit."""
    ok = (same_rows(a.x, b.x) & (a.ier == b.ier) & (a.nfev == b.nfev)
          & same_rows(a.fnorm, b.fnorm) & same_rows(a.cov_x, b.cov_x))
    if a.njev is not None:
        ok &= a.njev == b.njev
    return int(ok.sum())


# ---------------------------------------------------------------- report

def fits(value):
    return "n/a" if value is None else f"{value / 1000:.1f}k"


def ratio(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"


def verdict(value, target, at_most=False):
    if value is None:
        return "n/a"
    ok = value <= target if at_most else value >= target
    sign = "<=" if at_most else ">="
    return f"{sign} {target:g} {'met' if ok else 'MISSED'}"


def pool_verdict(speedup, busy):
    """The 2-thread target, unless the machine did not give both cores."""
    if speedup < 1.8 and busy < 1.9:
        return f">= 1.8 not measured: {busy:.2f} CPUs busy"
    return verdict(speedup, 1.8)


def count_text(count):
    return f"{count:,}"


def environment():
    versions = [f"pyminpack {pyminpack.__version__}",
                f"numpy {np.__version__}", f"scipy {scipy.__version__}",
                f"numba {numba.__version__}"]
    for module, name in ((cminpack_numba, "cminpack-numba"),
                         (minpack_numba, "minpack-numba")):
        versions.append(f"{name} {module.__version__}" if module is not None
                        else f"{name} not installed")
    usable = len(os.sched_getaffinity(0)) if hasattr(
        os, "sched_getaffinity") else os.cpu_count()
    return (", ".join(versions) + f"; Python {platform.python_version()}, "
            f"{platform.machine()}, {os.cpu_count()} CPUs ({usable} usable), "
            f"load average {os.getloadavg()[0]:.2f}")


def cpu_snapshot():
    """(wall, this process's CPU seconds, the machine's busy CPU seconds
    and steal seconds from /proc/stat, or None off Linux)."""
    own = os.times()
    busy = steal = None
    try:
        with open("/proc/stat") as stat:
            fields = stat.readline().split()[1:]
        ticks = [int(v) for v in fields]
        hz = os.sysconf("SC_CLK_TCK")
        # user nice system idle iowait irq softirq steal ...
        busy = (sum(ticks[:3]) + sum(ticks[5:7])) / hz
        steal = (ticks[7] if len(ticks) > 7 else 0) / hz
    except (OSError, ValueError, IndexError):
        pass
    return (time.perf_counter(), own.user + own.system, busy, steal)


def others_text(start, end):
    """How busy the machine was with other work during the run."""
    wall = end[0] - start[0]
    if start[2] is None or end[2] is None or wall <= 0:
        return "other processes' CPU use: n/a"
    others = max(0.0, (end[2] - start[2]) - (end[1] - start[1])) / wall
    steal = (end[3] - start[3]) / wall
    return (f"other processes used {others:.2f} CPUs on average during the "
            f"run (this one {(end[1] - start[1]) / wall:.2f}), steal "
            f"{steal:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small K and few rounds (CI smoke run)")
    options = parser.parse_args(argv)
    if options.quick:
        small, large, python_count = 500, 5000, 100
        rounds_small, rounds_large, rounds_python = 3, 1, 1
        repeat_small = 2
        sample_count = 50
    else:
        small, large, python_count = 2000, 100_000, 2000
        rounds_small, rounds_large, rounds_python = 5, 3, 5
        repeat_small = 10  # 20,000 fits a round, as long as a tenth of 100k
        sample_count = 200
    started = time.perf_counter()
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cpu_start = cpu_snapshot()

    def log(text):
        print(f"... {time.perf_counter() - started:5.0f} s  {text}",
              file=sys.stderr, flush=True)
    log(environment())
    ports = [p for p in PORTS if p in PORT_LOOPS]

    speed_rows, python_rows, memory_rows, agreement_rows = [], [], [], []
    vector_rows = []
    for model in models():
        rows_all, x0_all = model.generate(large, seed=20240601)
        per_fit_x0 = x0_all.ndim == 2
        # The vectorized kind's data: the curves' values alone, (K, m).
        y_all = np.ascontiguousarray(rows_all[:, M:])
        for method in ("lmdif", "lmder"):
            case = f"{model.name} {method}"
            log(case)
            # Compile (numba) and warm up every method on a few fits.
            warm_rows = rows_all[:20]
            warm_x0 = x0_all[:20] if per_fit_x0 else x0_all
            compiled_batch(model, method, warm_rows, warm_x0, 1)
            vectorized_batch(model, method, y_all[:20], warm_x0)
            for port in ports:
                run_port(port, method, model.port_address(port, method),
                         warm_rows, starts(warm_x0, 20))
            per_k = {}
            for count, rounds, repeat in ((small, rounds_small, repeat_small),
                                          (large, rounds_large, 1)):
                rows = rows_all[:count]
                y = y_all[:count]
                x0 = x0_all[:count] if per_fit_x0 else x0_all
                x0_full = starts(x0, count)
                # In this order (and its rotations), the methods compared
                # run next to each other.
                functions = {
                    port: (lambda p=port, a=model.port_address(port, method):
                           run_port(p, method, a, rows, x0_full))
                    for port in ports}
                functions["pm1"] = lambda: compiled_batch(
                    model, method, rows, x0, 1)
                functions["pm2"] = lambda: compiled_batch(
                    model, method, rows, x0, 2)
                functions["halves"] = lambda: two_halves(
                    model, method, rows, x0)
                functions["vec"] = lambda: vectorized_batch(
                    model, method, y, x0)
                first = ["vec", "cminpack-numba", "pm1", "pm2", "halves"]
                functions = {key: functions[key] for key in
                             [k for k in first if k in functions]
                             + [p for p in ports if p != "cminpack-numba"]}
                per_k[count] = Timings(functions, rounds, repeat)
            kept = {count: t.results for count, t in per_k.items()}
            log(f"{case}: Python kinds")

            # Python kinds, on the first python_count fits.
            rows_py = rows_all[:python_count]
            x0_py = x0_all[:python_count] if per_fit_x0 else x0_all
            jac_py = model.py_jac if method == "lmder" else None
            python_functions = {
                "scipy loop": lambda: leastsq_loop(
                    scipy.optimize.leastsq, model.py, jac_py, rows_py, x0_py),
                "leastsq loop": lambda: leastsq_loop(
                    pyminpack.leastsq, model.py, jac_py, rows_py, x0_py),
                "plain batch": lambda: plain_batch(model, method, rows_py,
                                                   x0_py),
            }
            py_timings = Timings(python_functions, rounds_python)
            py_results = py_timings.results

            log(f"{case}: memory")
            # Memory of the large batch (a separate, untimed run).
            peak, blocks, mem_result = peak_memory(
                lambda: compiled_batch(model, method, rows_all, x0_all, 2))
            memory_rows.append(dict(
                kind="compiled, 2 threads", case=case, count=large, peak=peak,
                results=result_bytes(mem_result), blocks=blocks, n=model.n))
            # ... and of vectorized batches, small and large (the work
            # space must not grow with K), counting func's calls in the
            # large one; the fibers' stacks, which tracemalloc does not
            # see, from /proc/self/smaps in a separate small run.
            small_x0 = x0_all[:small] if per_fit_x0 else x0_all
            sampler = StackSampler(model.vec)
            vectorized_batch(model, method, y_all[:small], small_x0,
                             func=sampler)
            before_stacks = fiber_stacks()
            work = {}
            for count in (small, large):
                counters = (CallCounter(model.vec),
                            CallCounter(model.vec_jac))
                peak, blocks, mem_result = peak_memory(
                    lambda: vectorized_batch(
                        model, method, y_all[:count],
                        x0_all[:count] if per_fit_x0 else x0_all,
                        *counters))
                results = result_bytes(mem_result)
                work[count] = peak - results
                memory_rows.append(dict(
                    kind="vectorized", case=case, count=count, peak=peak,
                    results=results, blocks=blocks, n=model.n,
                    work_growth=(work[count] / work[small]
                                 if count == large else None),
                    in_flight_small=min(small, IN_FLIGHT),
                    stacks=sampler.most if count == small else None,
                    stacks_before=before_stacks))

            log(f"{case}: agreement")
            # Agreement.
            big = kept[large]
            sample = np.unique(np.concatenate([
                np.arange(min(sample_count // 2, small)),
                np.linspace(0, large - 1, sample_count // 2).astype(int)]))
            agree = batch_vs_leastsq(model, method, rows_all, x0_all,
                                     big["pm1"], sample)
            vec = big["vec"]
            vec_agree = batch_vs_leastsq(model, method, y_all, x0_all, vec,
                                         sample, vectorized=True)
            vec_k_same = same_batches(kept[small]["vec"],
                                      _slice_result(vec, small))
            threads_same = same_batches(big["pm1"], big["pm2"])
            prefix = kept[small]["pm1"]
            big_prefix = _slice_result(big["pm1"], small)
            k_same = same_batches(prefix, big_prefix)
            plain = py_results["plain batch"]
            loop = py_results["leastsq loop"]
            scipy_res = py_results["scipy loop"]
            plain_same = int((same_rows(plain.x, loop["x"])
                              & (plain.ier == loop["ier"])
                              & (plain.nfev == loop["nfev"])
                              & same_rows(plain.cov_x, loop["cov_x"])).sum())
            scipy_same = int((same_rows(scipy_res["x"], loop["x"])
                              & (scipy_res["ier"] == loop["ier"])
                              & (scipy_res["nfev"] == loop["nfev"])).sum())
            numpy_vs_math = int(same_rows(
                loop["x"], big["pm1"].x[:python_count]).sum())
            head = _slice_result(vec, python_count)
            vec_loop_same = (same_rows(head.x, loop["x"])
                             & (head.ier == loop["ier"])
                             & (head.nfev == loop["nfev"])
                             & same_rows(head.cov_x, loop["cov_x"]))
            if method == "lmder":
                vec_loop_same &= head.njev == loop["njev"]
            vec_loop_same = int(vec_loop_same.sum())
            vec_vs_compiled = int(same_rows(vec.x, big["pm1"].x).sum())
            port_same = {}
            for port in ports:
                res = big[port]
                ours = big["pm1"]
                port_same[port] = (
                    int(same_rows(res.x, ours.x).sum()),
                    int(((res.ier == ours.ier) & (res.nfev == ours.nfev)
                         & ((res.njev == ours.njev) if method == "lmder"
                            else True)).sum()))
                if method == "lmdif":
                    own = run_port(port, method,
                                   model.port_address(port, method),
                                   rows_all[:small],
                                   starts(x0_all[:small] if per_fit_x0
                                          else x0_all, small),
                                   epsfcn=np.finfo(float).eps)
                    port_same[port] += (
                        int(same_rows(own.x, ours.x[:small]).sum()),)
            agreement_rows.append(dict(
                case=case, agree=agree, threads_same=threads_same,
                k_same=k_same, plain_same=plain_same, scipy_same=scipy_same,
                numpy_vs_math=numpy_vs_math, port_same=port_same,
                vec_agree=vec_agree, vec_k_same=vec_k_same,
                vec_loop_same=vec_loop_same, vec_vs_compiled=vec_vs_compiled,
                ier_counts=np.bincount(big["pm1"].ier.clip(0), minlength=9)))
            speed_rows.append((case, per_k))
            python_rows.append((case, py_timings,
                                per_k[small].rate("pm1", small)))
            nfev_mean = vec.nfev.mean() + (vec.njev.mean() if method ==
                                           "lmder" else 0.0)
            vector_rows.append(dict(
                case=case, per_k=per_k,
                scipy=py_timings.rate("scipy loop", python_count),
                calls=counters[0].calls + counters[1].calls,
                rows=counters[0].rows + counters[1].rows,
                evaluations=nfev_mean, jac=method == "lmder"))
    elapsed = time.perf_counter() - started

    print(f"pyminpack.leastsq_batch benchmark; {environment()}.")
    print(f"{rounds_small} rounds at K = {count_text(small)} (each batch "
          f"{repeat_small} times in a row), "
          f"{rounds_large} at {count_text(large)}, {rounds_python} for the "
          f"Python kinds at K = {count_text(python_count)}; "
          f"{elapsed:.0f} s in all; load average "
          + ("n/a" if load_start is None else f"{load_start:.2f}")
          + f" at the start (the end's is above); "
          f"{others_text(cpu_start, cpu_snapshot())}.\n")
    print_speed(speed_rows, small, large, ports)
    print_vectorized(vector_rows, small, large, python_count)
    print_python(python_rows, python_count, small)
    print_memory(memory_rows)
    print_agreement(agreement_rows, small, large, python_count, ports)


def _slice_result(result, count):
    class Prefix:
        pass
    out = Prefix()
    for name in ("x", "ier", "nfev", "njev", "fnorm", "cov_x"):
        value = getattr(result, name)
        setattr(out, name, None if value is None else value[:count])
    return out


def print_speed(speed_rows, small, large, ports):
    print("### Compiled callbacks: fits/s\n")
    print("| case | K | pyminpack 1 thread | pyminpack 2 threads | "
          "2 halves, 2 Python threads | " + " | ".join(ports)
          + " | 1 thread / cminpack-numba | 2 threads / 1 thread | "
          "2 threads / 2 halves | CPUs busy, 2 threads |")
    print("|---|---:|" + "---:|" * (7 + len(ports)))
    for case, per_k in speed_rows:
        for count in (small, large):
            t = per_k[count]
            cm = ("cminpack-numba" in ports
                  and t.speedup("pm1", "cminpack-numba") or None)
            pool = t.speedup("pm2", "pm1")
            print(f"| {case} | {count_text(count)} | "
                  + " | ".join(fits(t.rate(key, count)) for key in
                               ["pm1", "pm2", "halves"] + list(ports))
                  + f" | {ratio(cm)} ({verdict(cm, 1.0)}) | "
                  f"{ratio(pool)} ({pool_verdict(pool, t.busy('pm2'))}) | "
                  f"{ratio(t.speedup('pm2', 'halves'))} | "
                  f"{t.busy('pm2'):.2f} |")
    print()
    print("fits/s: the best round; ratios: of those.  2 halves: the batch "
          "split in two 1-thread batches run by two Python threads at once, "
          "a control for the pool.  CPUs busy: the process's CPU time over "
          "the wall time in the best 2-thread round; below 2, the two "
          "threads did not both have a core all the time (another process "
          "was running).\n")
    print(f"Time per fit at K = {count_text(large)} over K = "
          f"{count_text(small)}, best rounds (target: within 1.2x):\n")
    keys = ["pm1", "pm2"] + list(ports)
    names = ["pyminpack 1 thread", "pyminpack 2 threads"] + list(ports)
    print("| case | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(keys))
    for case, per_k in speed_rows:
        cells = []
        for key in keys:
            growth = (per_k[small].rate(key, small)
                      / per_k[large].rate(key, large))
            cells.append(f"{growth:.2f} ({verdict(growth, 1.2, True)})"
                         if key.startswith("pm") else f"{growth:.2f}")
        print(f"| {case} | " + " | ".join(cells) + " |")
    print()


def print_vectorized(vector_rows, small, large, python_count):
    print("### Vectorized numpy models (vectorized=True, 1 thread): fits/s\n")
    print("| case | K | vectorized | cminpack-numba | scipy.optimize.leastsq "
          f"loop (K = {count_text(python_count)}) | vectorized / scipy loop "
          "(target >= 8) | vectorized / cminpack-numba (target >= 0.5, aim "
          "> 1) | time per fit over K = " + count_text(small)
          + " (target <= 1.2) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in vector_rows:
        per_k = row["per_k"]
        for count in (small, large):
            t = per_k[count]
            rate = t.rate("vec", count)
            cm = (t.rate("cminpack-numba", count)
                  if "cminpack-numba" in t.wall else None)
            over_cm = None if cm is None else rate / cm
            over_scipy = rate / row["scipy"]
            growth = per_k[small].rate("vec", small) / rate
            aim = "" if over_cm is None else (
                ", above 1" if over_cm > 1 else ", below 1")
            print(f"| {row['case']} | {count_text(count)} | {fits(rate)} | "
                  f"{fits(cm)} | {fits(row['scipy'])} | {over_scipy:.1f} "
                  f"({verdict(over_scipy, 8)}) | {ratio(over_cm)} "
                  f"({verdict(over_cm, 0.5)}{aim}) | "
                  + ("1 (reference)" if count == small else
                     f"{growth:.2f} ({verdict(growth, 1.2, True)})") + " |")
    print()
    print("fits/s: the best round; the vectorized batch and cminpack-numba "
          "take turns in the same rounds (as in the compiled table), the "
          "scipy loop is the Python table's.  The vectorized batch's data "
          "is the (K, 50) array of the curves' values; func(X, y) and "
          "Dfun(X, y) are numpy expressions over all the fits waiting.  "
          f"numpy's float64 exp on this CPU: {numpy_exp_kind()}.\n")
    print(f"Calls at K = {count_text(large)} (an untimed run, the one "
          f"measured for memory; no call but the fits' own evaluations):\n")
    print("| case | calls of func (+ Dfun) | rows per call | evaluations "
          "per fit (nfev + njev) | fits per call |")
    print("|---|---:|---:|---:|---:|")
    for row in vector_rows:
        print(f"| {row['case']} | {row['calls']:,} | "
              f"{row['rows'] / row['calls']:.0f} | "
              f"{row['evaluations']:.1f} | "
              f"{large / row['calls']:.1f} |")
    print()


def numpy_exp_kind():
    """What numpy's float64 exp runs here: its own AVX-512 routine, or the
    C library's scalar exp element by element (what numba's math.exp
    calls too)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:
        try:
            from numpy.core._multiarray_umath import __cpu_features__
        except ImportError:
            return "unknown"
    if __cpu_features__.get("AVX512F") and __cpu_features__.get("AVX512_SKX"):
        return "numpy's AVX-512 SIMD routine (faster than libm's scalar exp)"
    return ("libm's scalar exp, element by element (no AVX-512 here), the "
            "same function and bits as the compiled kinds' math.exp")


def print_python(python_rows, python_count, small):
    print(f"### Python callbacks (numpy), K = {count_text(python_count)}: "
          f"fits/s\n")
    print("| case | scipy.optimize.leastsq loop | pyminpack.leastsq loop | "
          "plain batch | plain batch / leastsq loop | plain batch / scipy "
          f"loop | compiled 1 thread (K = {count_text(small)}) / scipy loop |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for case, t, compiled in python_rows:
        plain_loop = t.speedup("plain batch", "leastsq loop")
        scipy_rate = t.rate("scipy loop", python_count)
        print(f"| {case} | {fits(scipy_rate)} | "
              f"{fits(t.rate('leastsq loop', python_count))} | "
              f"{fits(t.rate('plain batch', python_count))} | "
              f"{plain_loop:.3f} ({verdict(plain_loop, 1.0)}) | "
              f"{t.speedup('plain batch', 'scipy loop'):.3f} | "
              f"{compiled / scipy_rate:.1f}x |")
    print()


def print_memory(memory_rows):
    print("### Memory of a batch, tracemalloc peak\n")
    print("| kind | case | K | peak over start | result arrays | "
          "peak - results (work space) | peak / results | bytes per fit | "
          "n*n*8 (cov_x) | blocks left | fiber stacks in flight |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in memory_rows:
        peak, results, count = row["peak"], row["results"], row["count"]
        over = peak / results
        work = (peak - results) / 2**20
        if row["kind"].startswith("compiled"):
            over_text = f"{over:.3f} ({verdict(over, 1.25, True)})"
            work_text = f"{work:.2f} MiB"
            stacks_text = ""
        else:
            over_text = f"{over:.3f}"
            growth = row["work_growth"]
            small_flight = row["in_flight_small"]
            work_text = f"{work:.2f} MiB" + (
                "" if growth is None else
                f" ({growth:.2f}x the smaller K's: "
                + (verdict(growth, 1.25, True) if small_flight >= IN_FLIGHT
                   else f"not comparable, {small_flight:,} fits in flight "
                        f"there, not {IN_FLIGHT:,}") + ")")
            stacks = row["stacks"]
            stacks_text = ("" if stacks is None else
                           f"{stacks[0]:,} mapped, "
                           f"{stacks[1] / 2**20:.1f} MiB resident")
        print(f"| {row['kind']} | {row['case']} | {count_text(count)} | "
              f"{peak / 2**20:.2f} MiB | {results / 2**20:.2f} MiB | "
              f"{work_text} | {over_text} | {peak / count:.0f} | "
              f"{row['n'] ** 2 * 8} | {row['blocks']} | {stacks_text} |")
    print()
    before = [row["stacks_before"] for row in memory_rows
              if row.get("stacks_before")]
    print("Result arrays: x, ier, nfev, njev, fnorm, cov_x, success, status "
          "(O(K n^2)).  The vectorized kind's work space is that of the "
          f"fits in flight (at most {IN_FLIGHT:,}: their MINPACK work arrays and "
          "each round's (k, n) points, (k, m) data rows and the model's "
          "temporaries), so it must not grow with K.  Fiber stacks: the "
          "64 KiB read-write anonymous mappings of /proc/self/smaps, the "
          "largest seen during the small batch (at func's 2nd, 4th, "
          "8th, ... call; "
          "one that happens to sit next to another read-write mapping "
          "merges with it and is missed); "
          "tracemalloc does not see them.  Mappings of that kind outside a "
          "batch: "
          + (", ".join(f"{c:,} ({r / 2**20:.1f} MiB resident)"
                       for c, r in before[:1]) if before else "none")
          + ".\n")


def print_agreement(agreement_rows, small, large, python_count, ports):
    print("### Agreement, to the bit\n")
    print(f"- batch vs leastsq: fits of the {count_text(large)}-fit compiled "
          f"batch (1 thread) whose x, ier, nfev, njev, fnorm and cov_x equal "
          f"pyminpack.leastsq's on that fit alone, same callbacks;")
    print(f"- 1 vs 2 threads: fits of the {count_text(large)} batch "
          f"identical with 1 and 2 threads; K: the {count_text(small)}-fit "
          f"batch against the first {count_text(small)} of the "
          f"{count_text(large)};")
    print(f"- plain: the plain batch against a pyminpack.leastsq loop (x, "
          f"ier, nfev, cov_x), scipy: scipy.optimize.leastsq's loop against "
          f"it (x, ier, nfev), numpy exp: its x against the compiled "
          f"(math.exp) batch's, all on {count_text(python_count)} fits;")
    print(f"- ports: fits of the {count_text(large)} with the same x (then "
          f"the same ier, nfev, njev) as pyminpack, lmdif with epsfcn = "
          f"{DPMPAR!r}; for lmdif also the same x with the port's own "
          f"default epsfcn (float64 eps), on {count_text(small)} fits.\n")
    print("| case | batch vs leastsq | 1 vs 2 threads | K | plain | scipy | "
          "numpy exp | " + " | ".join(ports) + " | ier 1/2/3/4/5+ |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(ports) + "---|")
    for row in agreement_rows:
        cells = []
        for port in ports:
            same = row["port_same"][port]
            text = f"{same[0]:,} x, {same[1]:,} counts"
            if len(same) > 2:
                text += f"; default epsfcn {same[2]:,}/{small:,}"
            cells.append(text)
        ier = row["ier_counts"]
        agree = row["agree"]
        print(f"| {row['case']} | {agree[0]}/{agree[1]} | "
              f"{row['threads_same']:,}/{large:,} | "
              f"{row['k_same']:,}/{small:,} | "
              f"{row['plain_same']:,}/{python_count:,} | "
              f"{row['scipy_same']:,}/{python_count:,} | "
              f"{row['numpy_vs_math']:,}/{python_count:,} | "
              + " | ".join(cells)
              + f" | {ier[1]}/{ier[2]}/{ier[3]}/{ier[4]}/{ier[5:].sum()} |")
    print()
    print("Vectorized batches:\n")
    print(f"- vs leastsq: fits of the {count_text(large)}-fit vectorized "
          f"batch whose x, ier, nfev, njev, fnorm and cov_x equal "
          f"pyminpack.leastsq's on that fit alone with the 1-D version of "
          f"the same numpy model (f(p, y), y that fit's row);")
    print(f"- vs leastsq loop: its first {count_text(python_count)} fits "
          f"against the Python table's pyminpack.leastsq loop (the numpy "
          f"model on rows [t, y]; x, ier, nfev, njev, cov_x);")
    print(f"- K: the {count_text(small)}-fit vectorized batch against the "
          f"first {count_text(small)} of the {count_text(large)} (x, ier, "
          f"nfev, njev, fnorm, cov_x);")
    print(f"- x as compiled: fits of the {count_text(large)} whose x equals "
          f"the compiled batch's (math.exp, libm's): all where numpy's exp "
          f"is libm's too, not all with numpy's AVX-512 exp.\n")
    print("| case | vs leastsq | vs leastsq loop | K | x as compiled |")
    print("|---|---|---|---|---|")
    for row in agreement_rows:
        agree = row["vec_agree"]
        print(f"| {row['case']} | {agree[0]}/{agree[1]} | "
              f"{row['vec_loop_same']:,}/{python_count:,} | "
              f"{row['vec_k_same']:,}/{small:,} | "
              f"{row['vec_vs_compiled']:,}/{large:,} |")


if __name__ == "__main__":
    main()
