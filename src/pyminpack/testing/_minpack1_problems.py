"""The 18 least-squares test problems of MINPACK-1's test suite, in NumPy.

J. J. Moré, B. S. Garbow and K. E. Hillstrom, "Testing unconstrained
optimization software", ACM TOMS 7 (1981) 17-41, defines the problems; the
MINPACK-1 drivers (SSQFCN, SSQJAC and INITPT) evaluate them.  This module
computes the same residuals, Jacobians and starting points, written so that
every floating-point operation happens in the order the Fortran performs it
(Fortran evaluates ``a*b/c`` as ``(a*b)/c``, ``a + b - c`` as ``(a + b) - c``,
``x**2`` as ``x*x``), which makes the values equal to the Fortran's to the
last bit.  The reference results of pyminpack.testing (and the project's
tests) rely on that to demand bit-identical fits.

Three habits keep it exact:

* Sums and products over a vector are explicit loops in index order: numpy's
  reductions sum pairwise, and Python >= 3.12's ``sum`` compensates.
* ``exp``, ``sin``, ``cos`` and ``atan`` are libm's scalar functions
  (``math``), the ones the Fortran calls.  NumPy's own SIMD ``exp`` differs
  from libm's in the last bit for a few percent of arguments on AVX-512
  machines (measured on 10^6 random arguments), which changes fits.
* Elementwise ``+ - * /`` and ``sqrt`` on arrays are correctly rounded IEEE
  operations, so NumPy may do those, one element at a time, in any order.

Each problem is called as ``residuals(x, m)`` -> shape (m,) and
``jacobian(x, m)`` -> shape (m, n) with ``J[i, j] = d f_i / d x_j``.
Indices in comments are the paper's (1-based).
"""

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np


def _apply(function, values):
    """A libm scalar function applied to each element (see module docstring)."""
    return np.array([function(v) for v in np.asarray(values, dtype=float).tolist()])


def _exp(values):
    return _apply(math.exp, values)


def _index(count, start=1):
    """start, start+1, ... as floats: the Fortran's DFLOAT(I)."""
    return np.arange(start, start + count, dtype=float)


def _sum(values):
    """Left-to-right sum, as a Fortran DO loop accumulates it."""
    total = 0.0
    for value in np.asarray(values, dtype=float).tolist():
        total = total + value
    return total


# 1. Linear function - full rank -------------------------------------------

def linear_full_rank(x, m):
    n = x.size
    temp = 2.0 * _sum(x) / m + 1.0
    f = np.full(m, -temp)
    f[:n] = f[:n] + x
    return f


def linear_full_rank_jac(x, m):
    n = x.size
    temp = 2.0 / m
    jac = np.full((m, n), -temp)
    jac[np.arange(n), np.arange(n)] = -temp + 1.0
    return jac


# 2. Linear function - rank 1 -----------------------------------------------

def linear_rank1(x, m):
    total = _sum(_index(x.size) * x)
    return _index(m) * total - 1.0


def linear_rank1_jac(x, m):
    return np.outer(_index(m), _index(x.size))  # i*j, exact


# 3. Linear function - rank 1 with zero columns and rows -----------------------

def linear_rank1_zero(x, m):
    n = x.size
    total = _sum(_index(n - 2, start=2) * x[1:n - 1])  # j = 2 .. n-1
    f = _index(m, start=0) * total - 1.0
    f[m - 1] = -1.0
    return f


def linear_rank1_zero_jac(x, m):
    n = x.size
    jac = np.zeros((m, n))
    jac[1:m - 1, 1:n - 1] = np.outer(_index(m - 2), _index(n - 2, start=2))  # (i-1)*j
    return jac


# 4. Rosenbrock -------------------------------------------------------------

def rosenbrock(x, m):
    return np.array([10.0 * (x[1] - x[0] * x[0]), 1.0 - x[0]])


def rosenbrock_jac(x, m):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


# 5. Helical valley ---------------------------------------------------------

TWO_PI = 8.0 * math.atan(1.0)  # as the Fortran forms it


def helical_valley(x, m):
    x1, x2, x3 = x.tolist()
    theta = math.copysign(0.25, x2)  # DSIGN: the sign of x2, even of -0.0
    if x1 > 0.0:
        theta = math.atan(x2 / x1) / TWO_PI
    if x1 < 0.0:
        theta = math.atan(x2 / x1) / TWO_PI + 0.5
    radius = math.sqrt(x1 * x1 + x2 * x2)
    return np.array([10.0 * (x3 - 10.0 * theta), 10.0 * (radius - 1.0), x3])


def helical_valley_jac(x, m):
    x1, x2, x3 = x.tolist()
    temp = x1 * x1 + x2 * x2
    tmp1 = TWO_PI * temp
    tmp2 = math.sqrt(temp)
    return np.array([
        [100.0 * x2 / tmp1, -(100.0 * x1 / tmp1), 10.0],
        [10.0 * x1 / tmp2, 10.0 * x2 / tmp2, 0.0],
        [0.0, 0.0, 1.0],
    ])


# 6. Powell singular --------------------------------------------------------

def powell_singular(x, m):
    x1, x2, x3, x4 = x.tolist()
    return np.array([
        x1 + 10.0 * x2,
        math.sqrt(5.0) * (x3 - x4),
        (x2 - 2.0 * x3) * (x2 - 2.0 * x3),
        math.sqrt(10.0) * ((x1 - x4) * (x1 - x4)),
    ])


def powell_singular_jac(x, m):
    x1, x2, x3, x4 = x.tolist()
    jac = np.zeros((4, 4))
    jac[0, 0] = 1.0
    jac[0, 1] = 10.0
    jac[1, 2] = math.sqrt(5.0)
    jac[1, 3] = -jac[1, 2]
    jac[2, 1] = 2.0 * (x2 - 2.0 * x3)
    jac[2, 2] = -2.0 * jac[2, 1]
    jac[3, 0] = 2.0 * math.sqrt(10.0) * (x1 - x4)
    jac[3, 3] = -jac[3, 0]
    return jac


# 7. Freudenstein and Roth --------------------------------------------------

def freudenstein_roth(x, m):
    x1, x2 = x.tolist()
    return np.array([
        -13.0 + x1 + ((5.0 - x2) * x2 - 2.0) * x2,
        -29.0 + x1 + ((1.0 + x2) * x2 - 14.0) * x2,
    ])


def freudenstein_roth_jac(x, m):
    x2 = float(x[1])
    return np.array([
        [1.0, x2 * (10.0 - 3.0 * x2) - 2.0],
        [1.0, x2 * (2.0 + 3.0 * x2) - 14.0],
    ])


# 8. Bard -------------------------------------------------------------------

BARD_Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39,
                   0.37, 0.58, 0.73, 0.96, 1.34, 2.10, 4.39])
_BARD_U = _index(15)                          # i
_BARD_V = 16.0 - _BARD_U                      # 16 - i
_BARD_W = np.minimum(_BARD_U, _BARD_V)        # min(u, v)


def bard(x, m):
    return BARD_Y - (x[0] + _BARD_U / (x[1] * _BARD_V + x[2] * _BARD_W))


def bard_jac(x, m):
    denom = x[1] * _BARD_V + x[2] * _BARD_W
    denom = denom * denom
    return np.column_stack([np.full(15, -1.0), _BARD_U * _BARD_V / denom,
                            _BARD_U * _BARD_W / denom])


# 9. Kowalik and Osborne ----------------------------------------------------

KOWALIK_OSBORNE_Y = np.array([0.1957, 0.1947, 0.1735, 0.1600, 0.0844, 0.0627,
                              0.0456, 0.0342, 0.0323, 0.0235, 0.0246])
# The u_i of the paper; the Fortran's V(I).
KOWALIK_OSBORNE_U = np.array([4.0, 2.0, 1.0, 0.5, 0.25, 0.167, 0.125, 0.1,
                              0.0833, 0.0714, 0.0625])


def kowalik_osborne(x, m):
    u = KOWALIK_OSBORNE_U
    num = u * (u + x[1])
    den = u * (u + x[2]) + x[3]
    return KOWALIK_OSBORNE_Y - x[0] * num / den


def kowalik_osborne_jac(x, m):
    u = KOWALIK_OSBORNE_U
    num = u * (u + x[1])
    den = u * (u + x[2]) + x[3]
    d1 = -num / den
    d2 = -(u * x[0]) / den
    d3 = d1 * d2
    return np.column_stack([d1, d2, d3, d3 / u])


# 10. Meyer -----------------------------------------------------------------

MEYER_Y = np.array([34780.0, 28610.0, 23650.0, 19630.0, 16370.0, 13720.0,
                    11540.0, 9744.0, 8261.0, 7030.0, 6005.0, 5147.0, 4427.0,
                    3820.0, 3307.0, 2872.0])
_MEYER_T = 5.0 * _index(16) + 45.0            # 45 + 5i


def meyer(x, m):
    temp = _MEYER_T + x[2]
    return x[0] * _exp(x[1] / temp) - MEYER_Y


def meyer_jac(x, m):
    temp = _MEYER_T + x[2]
    ratio = x[1] / temp
    e = _exp(ratio)
    d2 = x[0] * e / temp
    return np.column_stack([e, d2, -(ratio * d2)])


# 11. Watson ----------------------------------------------------------------

_WATSON_T = _index(29) / 29.0                 # t_i = i/29


def _watson_sums(x):
    """sum_j (j-1) x_j t^(j-2) and sum_j x_j t^(j-1), powers built by repeated products."""
    t = _WATSON_T
    s1 = np.zeros(29)
    dx = np.ones(29)
    for j in range(1, x.size):                # paper's j = 2 .. n
        s1 = s1 + float(j) * dx * x[j]
        dx = t * dx
    s2 = np.zeros(29)
    dx = np.ones(29)
    for j in range(x.size):
        s2 = s2 + dx * x[j]
        dx = t * dx
    return s1, s2


def watson(x, m):
    s1, s2 = _watson_sums(x)
    f = np.empty(31)
    f[:29] = s1 - s2 * s2 - 1.0
    f[29] = x[0]
    f[30] = x[1] - x[0] * x[0] - 1.0
    return f


def watson_jac(x, m):
    n = x.size
    t = _WATSON_T
    _, s2 = _watson_sums(x)
    temp = 2.0 * t * s2
    jac = np.zeros((31, n))
    dx = 1.0 / t
    for j in range(n):
        jac[:29, j] = dx * (float(j) - temp)
        dx = t * dx
    jac[29, 0] = 1.0
    jac[30, 0] = -2.0 * x[0]
    jac[30, 1] = 1.0
    return jac


# 12. Box three-dimensional -------------------------------------------------

def box3d(x, m):
    t = _index(m)
    tenth = t / 10.0
    return (_exp(-tenth * x[0]) - _exp(-tenth * x[1])
            + (_exp(-t) - _exp(-tenth)) * x[2])


def box3d_jac(x, m):
    t = _index(m)
    tenth = t / 10.0
    return np.column_stack([-(tenth * _exp(-tenth * x[0])), tenth * _exp(-tenth * x[1]),
                            _exp(-t) - _exp(-tenth)])


# 13. Jennrich and Sampson --------------------------------------------------

def jennrich_sampson(x, m):
    i = _index(m)
    return 2.0 + 2.0 * i - _exp(i * x[0]) - _exp(i * x[1])


def jennrich_sampson_jac(x, m):
    i = _index(m)
    return np.column_stack([-(i * _exp(i * x[0])), -(i * _exp(i * x[1]))])


# 14. Brown and Dennis ------------------------------------------------------

def _brown_dennis_terms(x, m):
    t = _index(m) / 5.0
    sin_t = _apply(math.sin, t)
    first = x[0] + t * x[1] - _exp(t)
    second = x[2] + sin_t * x[3] - _apply(math.cos, t)
    return t, sin_t, first, second


def brown_dennis(x, m):
    _, _, first, second = _brown_dennis_terms(x, m)
    return first * first + second * second


def brown_dennis_jac(x, m):
    t, sin_t, first, second = _brown_dennis_terms(x, m)
    d1 = 2.0 * first
    d3 = 2.0 * second
    return np.column_stack([d1, t * d1, d3, sin_t * d3])


# 15. Chebyquad -------------------------------------------------------------

def chebyquad(x, m):
    n = x.size
    # T_i(2 x_j - 1) for i = 1..m (rows) and every j (columns), by the
    # recurrence T_(i+1) = 2 y T_i - T_(i-1), y = 2 x_j - 1.
    prev = np.ones(n)
    cur = 2.0 * x - 1.0
    twice = 2.0 * cur
    values = np.empty((m, n))
    for i in range(m):
        values[i] = cur
        prev, cur = cur, twice * cur - prev
    f = np.zeros(m)
    for j in range(n):
        f = f + values[:, j]
    f = (1.0 / n) * f
    # Integral of T_i over [-1, 1] / 2 is -1/(i^2 - 1) for even i, 0 for odd i.
    even = _index(m)[1::2]
    f[1::2] = f[1::2] + 1.0 / (even * even - 1.0)
    return f


def chebyquad_jac(x, m):
    n = x.size
    dx = 1.0 / n
    # Columns by the recurrence for T_i' alongside T_i.
    t_prev = np.ones(n)
    t_cur = 2.0 * x - 1.0
    twice = 2.0 * t_cur
    d_prev = np.zeros(n)
    d_cur = np.full(n, 2.0)
    jac = np.empty((m, n))
    for i in range(m):
        jac[i] = dx * d_cur
        d_prev, d_cur = d_cur, 4.0 * t_cur + twice * d_cur - d_prev
        t_prev, t_cur = t_cur, twice * t_cur - t_prev
    return jac


# 16. Brown almost-linear ---------------------------------------------------

def brown_almost_linear(x, m):
    n = x.size
    total = -float(n + 1)
    prod = 1.0
    for xj in x.tolist():
        total = total + xj
        prod = xj * prod
    f = x + total
    f[n - 1] = prod - 1.0
    return f


def brown_almost_linear_jac(x, m):
    n = x.size
    values = x.tolist()
    prod = 1.0
    for xj in values:
        prod = xj * prod
    jac = np.ones((n, n)) + np.eye(n)
    for j, xj in enumerate(values):
        divisor = xj
        if divisor == 0.0:
            # The product of the others.  Like SSQJAC, keep this product for
            # the columns after j too (it only matters when some x_j is 0).
            divisor = 1.0
            prod = 1.0
            for k, xk in enumerate(values):
                if k != j:
                    prod = xk * prod
        jac[n - 1, j] = prod / divisor
    return jac


# 17. Osborne 1 -------------------------------------------------------------

OSBORNE1_Y = np.array([
    0.844, 0.908, 0.932, 0.936, 0.925, 0.908, 0.881, 0.850, 0.818, 0.784,
    0.751, 0.718, 0.685, 0.658, 0.628, 0.603, 0.580, 0.558, 0.538, 0.522,
    0.506, 0.490, 0.478, 0.467, 0.457, 0.448, 0.438, 0.431, 0.424, 0.420,
    0.414, 0.411, 0.406])
_OSBORNE1_T = 10.0 * _index(33, start=0)      # t_i = 10 (i - 1)


def osborne1(x, m):
    t = _OSBORNE1_T
    return OSBORNE1_Y - (x[0] + x[1] * _exp(-x[3] * t) + x[2] * _exp(-x[4] * t))


def osborne1_jac(x, m):
    t = _OSBORNE1_T
    e4 = _exp(-x[3] * t)
    e5 = _exp(-x[4] * t)
    return np.column_stack([np.full(33, -1.0), -e4, -e5, t * x[1] * e4, t * x[2] * e5])


# 18. Osborne 2 -------------------------------------------------------------

OSBORNE2_Y = np.array([
    1.366, 1.191, 1.112, 1.013, 0.991, 0.885, 0.831, 0.847, 0.786, 0.725,
    0.746, 0.679, 0.608, 0.655, 0.616, 0.606, 0.602, 0.626, 0.651, 0.724,
    0.649, 0.649, 0.694, 0.644, 0.624, 0.661, 0.612, 0.558, 0.533, 0.495,
    0.500, 0.423, 0.395, 0.375, 0.372, 0.391, 0.396, 0.405, 0.428, 0.429,
    0.523, 0.562, 0.607, 0.653, 0.672, 0.708, 0.633, 0.668, 0.645, 0.632,
    0.591, 0.559, 0.597, 0.625, 0.739, 0.710, 0.729, 0.720, 0.636, 0.581,
    0.428, 0.292, 0.162, 0.098, 0.054])
_OSBORNE2_T = _index(65, start=0) / 10.0      # t_i = (i - 1)/10


def _osborne2_terms(x):
    t = _OSBORNE2_T
    d9, d10, d11 = t - x[8], t - x[9], t - x[10]
    e1 = _exp(-x[4] * t)
    e2 = _exp(-x[5] * (d9 * d9))
    e3 = _exp(-x[6] * (d10 * d10))
    e4 = _exp(-x[7] * (d11 * d11))
    return t, (d9, d10, d11), (e1, e2, e3, e4)


def osborne2(x, m):
    _, _, (e1, e2, e3, e4) = _osborne2_terms(x)
    return OSBORNE2_Y - (x[0] * e1 + x[1] * e2 + x[2] * e3 + x[3] * e4)


def osborne2_jac(x, m):
    t, (d9, d10, d11), (e1, e2, e3, e4) = _osborne2_terms(x)
    return np.column_stack([
        -e1, -e2, -e3, -e4,
        t * x[0] * e1,
        x[1] * (d9 * d9) * e2,
        x[2] * (d10 * d10) * e3,
        x[3] * (d11 * d11) * e4,
        -(2.0 * x[1] * x[5] * d9 * e2),
        -(2.0 * x[2] * x[6] * d10 * e3),
        -(2.0 * x[3] * x[7] * d11 * e4),
    ])


# --- the catalogue ------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    name: str
    residuals: Callable      # (x, m) -> (m,)
    jacobian: Callable       # (x, m) -> (m, n)
    standard_start: Callable  # n -> (n,), the paper's x0


def _constant(*values):
    return lambda n: np.array(values, dtype=float)


PROBLEMS = {
    1: Problem("linear function - full rank", linear_full_rank, linear_full_rank_jac,
               lambda n: np.ones(n)),
    2: Problem("linear function - rank 1", linear_rank1, linear_rank1_jac,
               lambda n: np.ones(n)),
    3: Problem("linear function - rank 1 with zero columns and rows", linear_rank1_zero,
               linear_rank1_zero_jac, lambda n: np.ones(n)),
    4: Problem("Rosenbrock", rosenbrock, rosenbrock_jac, _constant(-1.2, 1.0)),
    5: Problem("helical valley", helical_valley, helical_valley_jac, _constant(-1.0, 0.0, 0.0)),
    6: Problem("Powell singular", powell_singular, powell_singular_jac,
               _constant(3.0, -1.0, 0.0, 1.0)),
    7: Problem("Freudenstein and Roth", freudenstein_roth, freudenstein_roth_jac,
               _constant(0.5, -2.0)),
    8: Problem("Bard", bard, bard_jac, _constant(1.0, 1.0, 1.0)),
    9: Problem("Kowalik and Osborne", kowalik_osborne, kowalik_osborne_jac,
               _constant(0.25, 0.39, 0.415, 0.39)),
    10: Problem("Meyer", meyer, meyer_jac, _constant(0.02, 4000.0, 250.0)),
    11: Problem("Watson", watson, watson_jac, lambda n: np.zeros(n)),
    12: Problem("Box 3-dimensional", box3d, box3d_jac, _constant(0.0, 10.0, 20.0)),
    13: Problem("Jennrich and Sampson", jennrich_sampson, jennrich_sampson_jac,
                _constant(0.3, 0.4)),
    14: Problem("Brown and Dennis", brown_dennis, brown_dennis_jac,
                _constant(25.0, 5.0, -5.0, -1.0)),
    15: Problem("Chebyquad", chebyquad, chebyquad_jac,
                lambda n: _index(n) * (1.0 / (n + 1))),
    16: Problem("Brown almost-linear", brown_almost_linear, brown_almost_linear_jac,
                lambda n: np.full(n, 0.5)),
    17: Problem("Osborne 1", osborne1, osborne1_jac, _constant(0.5, 1.5, -1.0, 0.01, 0.02)),
    18: Problem("Osborne 2", osborne2, osborne2_jac,
                _constant(1.3, 0.65, 0.65, 0.7, 0.6, 3.0, 5.0, 7.0, 2.0, 4.5, 5.5)),
}


def starting_point(problem, n, factor):
    """The suite's x0: factor times the standard start, except for Watson
    (problem 11), whose standard start is 0, so there every x_j = factor."""
    x = PROBLEMS[problem].standard_start(n)
    if factor == 1.0:
        return x
    if problem == 11:
        return np.full(n, float(factor))
    return factor * x


def enorm(v):
    """MINPACK's ENORM: the Euclidean norm with scaling against under- and
    overflow, as the suite's drivers compute the residual norms they print."""
    rdwarf, rgiant = 3.834e-20, 1.304e19
    values = [abs(a) for a in np.asarray(v, dtype=float).tolist()]
    agiant = rgiant / float(len(values))
    s1 = s2 = s3 = 0.0        # large, intermediate and small components
    x1max = x3max = 0.0
    for xabs in values:
        # Branches as in the Fortran, so that even NaN takes the same path.
        if rdwarf < xabs < agiant:
            s2 = s2 + xabs * xabs
        elif xabs <= rdwarf:
            if xabs <= x3max:
                if xabs != 0.0:
                    ratio = xabs / x3max
                    s3 = s3 + ratio * ratio
            else:
                ratio = x3max / xabs
                s3 = 1.0 + s3 * (ratio * ratio)
                x3max = xabs
        elif xabs <= x1max:
            ratio = xabs / x1max
            s1 = s1 + ratio * ratio
        else:
            ratio = x1max / xabs
            s1 = 1.0 + s1 * (ratio * ratio)
            x1max = xabs
    if s1 != 0.0:
        return x1max * math.sqrt(s1 + (s2 / x1max) / x1max)
    if s2 != 0.0:
        if s2 >= x3max:
            return math.sqrt(s2 * (1.0 + (x3max / s2) * (x3max * s3)))
        return math.sqrt(x3max * ((s2 / x3max) + (x3max * s3)))
    return x3max * math.sqrt(s3)
