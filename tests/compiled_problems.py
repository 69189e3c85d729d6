"""Compiled residuals and Jacobians (numba ``@cfunc``) for the tests, each
with a Python twin doing the same arithmetic.

Bit-identity needs identical arithmetic: numba's ``math.exp`` is the C
library's, and so is Python's ``math.exp``; numpy's ``np.exp`` is its own
SIMD routine and can differ in the last bit.  So the twins loop with
``math.exp``.

The decay model ``a*exp(-b*t) + c`` gets its data through ``user_data``: a
row ``[t_0 .. t_{m-1}, y_0 .. y_{m-1}]``.  ``STOP_AT`` variants read a
counter from the row's tail and return non-zero when it reaches a limit.
"""

import ctypes
import math

import numpy as np
from numba import carray, cfunc, njit, types

DOUBLE_P = types.CPointer(types.double)
RESIDUAL_SIG = types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P,
                          DOUBLE_P)
JACOBIAN_SIG = types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P,
                          types.intc, DOUBLE_P)
VOID_RESIDUAL_SIG = types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P,
                               types.voidptr)

M = 30
T = np.linspace(0.0, 4.0, M)
X0 = np.array([1.0, 1.0, 0.0])


def decay_rows(count, seed=0):
    """``count`` rows of decay data, each its own a, b, c and noise."""
    rng = np.random.default_rng(seed)
    rows = np.empty((count, 2 * M))
    for k in range(count):
        a, b, c = 1.5 + rng.random(), 0.5 + rng.random(), rng.random()
        rows[k, :M] = T
        rows[k, M:] = (a * np.exp(-b * T) + c
                       + 0.01 * rng.standard_normal(M))
    return rows


def decay_residuals(m, n, xp, fp, up):
    # Undecorated too, for the recipes of pyminpack.compiled (test_recipes).
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    d = carray(up, (2 * m,))
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
    return 0


def decay_jacobian(m, n, xp, jp, ld, up):
    x = carray(xp, (n,))
    jac = carray(jp, (ld * n,))
    d = carray(up, (2 * m,))
    for i in range(m):
        e = math.exp(-x[1] * d[i])
        jac[i] = e
        jac[i + ld] = -x[0] * d[i] * e
        jac[i + 2 * ld] = 1.0
    return 0


decay = cfunc(RESIDUAL_SIG)(decay_residuals)
decay_jac = cfunc(JACOBIAN_SIG)(decay_jacobian)


def decay_py(x, row):
    m = row.size // 2
    return np.array([x[0] * math.exp(-x[1] * row[i]) + x[2] - row[m + i]
                     for i in range(m)])


def decay_jac_py(x, row):
    m = row.size // 2
    jac = np.empty((m, 3))
    for i in range(m):
        e = math.exp(-x[1] * row[i])
        jac[i] = (e, -x[0] * row[i] * e, 1.0)
    return jac


# Rows with a stop counter: [t.., y.., calls, limit, value].  The func
# counts its calls in the row and returns `value` at call `limit`.
@cfunc(RESIDUAL_SIG)
def decay_stopping(m, n, xp, fp, up):
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    d = carray(up, (2 * m + 3,))
    d[2 * m] += 1.0
    if d[2 * m] == d[2 * m + 1]:
        return int(d[2 * m + 2])
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
    return 0


@cfunc(JACOBIAN_SIG)
def decay_jac_stopping(m, n, xp, jp, ld, up):
    # Stops at Jacobian call `limit` (the row's counter counts these).
    d = carray(up, (2 * m + 3,))
    d[2 * m] += 1.0
    if d[2 * m] == d[2 * m + 1]:
        return int(d[2 * m + 2])
    x = carray(xp, (n,))
    jac = carray(jp, (ld * n,))
    for i in range(m):
        e = math.exp(-x[1] * d[i])
        jac[i] = e
        jac[i + ld] = -x[0] * d[i] * e
        jac[i + 2 * ld] = 1.0
    return 0


def stopping_rows(rows, limit, value):
    """rows with the stop counter appended (limit 0: never stops)."""
    tail = np.zeros((rows.shape[0], 3))
    tail[:, 1] = limit
    tail[:, 2] = value
    return np.ascontiguousarray(np.hstack([rows, tail]))


# The same model with the data compiled in: user_data is unused (NULL).
_T_FIXED = T.copy()
_Y_FIXED = decay_rows(1, seed=42)[0, M:].copy()


@njit
def _fixed_residuals(x, f):
    for i in range(_T_FIXED.size):
        f[i] = x[0] * math.exp(-x[1] * _T_FIXED[i]) + x[2] - _Y_FIXED[i]


@cfunc(VOID_RESIDUAL_SIG)
def decay_fixed(m, n, xp, fp, up):
    _fixed_residuals(carray(xp, (n,)), carray(fp, (m,)))
    return 0


def decay_fixed_py(x):
    return decay_py(x, np.concatenate([_T_FIXED, _Y_FIXED]))


# Wrong signatures, for the TypeError tests.
@cfunc(types.double(types.intc, types.intc, DOUBLE_P, DOUBLE_P, DOUBLE_P))
def returns_double(m, n, xp, fp, up):
    return 0.0


@cfunc(types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P))
def no_user_data(m, n, xp, fp):
    return 0


@cfunc(types.intc(types.intc, types.intc, types.CPointer(types.float32),
                  DOUBLE_P, DOUBLE_P))
def float32_x(m, n, xp, fp, up):
    return 0


# A slow func: the decay model that sleeps in the C library's usleep before
# each evaluation, and counts its calls.  Rows: [t.., y.., microseconds,
# calls, calls while the flag is set, flag].  The flag is set by another
# thread; the count after it is what a stop (Ctrl-C) lets through.
_usleep = ctypes.CDLL(None).usleep
_usleep.argtypes = [ctypes.c_uint]
_usleep.restype = ctypes.c_int
SLEEPING_TAIL = 4


@cfunc(RESIDUAL_SIG)
def decay_sleeping(m, n, xp, fp, up):
    d = carray(up, (2 * m + SLEEPING_TAIL,))
    d[2 * m + 1] += 1.0
    if d[2 * m + 3] != 0.0:
        d[2 * m + 2] += 1.0
    _usleep(int(d[2 * m]))
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
    return 0


def sleeping_rows(rows, microseconds):
    """rows with decay_sleeping's tail appended: counters 0, flag clear."""
    tail = np.zeros((rows.shape[0], SLEEPING_TAIL))
    tail[:, 0] = microseconds
    return np.ascontiguousarray(np.hstack([rows, tail]))
