"""The models of the 27 NIST StRD nonlinear regression problems, with their
Jacobians with respect to the parameters.

Each model is ``model(b, x)`` -> the predicted response at the predictor
values ``x`` (an (N,) array, or (2, N) for Nelson's two predictors), and
``gradient(b, x)`` -> the (N, p) matrix of its partial derivatives.  The
formulas are NIST's (quoted in each docstring); ``b[0]`` is NIST's b1.

The transcendental functions are the C library's scalar ones, one element
at a time (``math.exp``, ``math.pow``, ...), as a port written in C or
Fortran would call them: NumPy's SIMD versions may round differently in the
last bit.  Where C returns inf or NaN (an overflowing ``exp``, ``pow`` of a
negative base), so do these: a wild trial step gives MINPACK non-finite
values, as it would in C, instead of a Python exception.
"""

import math

import numpy as np

PI = 3.141592653589793238462643383279  # as NIST writes it (Roszman1)


def _elementwise(function, *arrays):
    arrays = [np.asarray(a, dtype=np.float64).tolist() for a in arrays]
    return np.array([function(*values) for values in zip(*arrays)],
                    dtype=np.float64)


def _c_exp(v):
    try:
        return math.exp(v)
    except OverflowError:
        return math.inf


def _c_pow(base, power):
    try:
        return math.pow(base, power)
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan  # negative base, fractional power; or 0 ** negative


def _c_log(v):
    if v > 0.0:
        return math.log(v)
    return -math.inf if v == 0.0 else math.nan


def exp(values):
    return _elementwise(_c_exp, values)


def power(base, exponent):
    exponent = np.broadcast_to(exponent, np.shape(base))
    return _elementwise(_c_pow, base, exponent)


def log(values):
    return _elementwise(_c_log, values)


def atan(values):
    return _elementwise(math.atan, values)


def cos(values):
    return _elementwise(math.cos, values)


def sin(values):
    return _elementwise(math.sin, values)


def _columns(*columns):
    return np.column_stack(columns)


# --- exponential and saturation models ------------------------------------

def saturation(b, x):
    """y = b1*(1-exp[-b2*x]) (Misra1a, BoxBOD)"""
    return b[0] * (1.0 - exp(-b[1] * x))


def saturation_gradient(b, x):
    e = exp(-b[1] * x)
    return _columns(1.0 - e, b[0] * x * e)


def chwirut(b, x):
    """y = exp[-b1*x]/(b2+b3*x) (Chwirut1, Chwirut2)"""
    return exp(-b[0] * x) / (b[1] + b[2] * x)


def chwirut_gradient(b, x):
    e = exp(-b[0] * x)
    d = b[1] + b[2] * x
    return _columns(-x * e / d, -e / (d * d), -x * e / (d * d))


def lanczos(b, x):
    """y = b1*exp(-b2*x) + b3*exp(-b4*x) + b5*exp(-b6*x) (Lanczos1-3)"""
    return (b[0] * exp(-b[1] * x) + b[2] * exp(-b[3] * x)
            + b[4] * exp(-b[5] * x))


def lanczos_gradient(b, x):
    e1, e2, e3 = exp(-b[1] * x), exp(-b[3] * x), exp(-b[5] * x)
    return _columns(e1, -b[0] * x * e1, e2, -b[2] * x * e2,
                    e3, -b[4] * x * e3)


def gauss(b, x):
    """y = b1*exp(-b2*x) + b3*exp(-(x-b4)**2/b5**2)
    + b6*exp(-(x-b7)**2/b8**2) (Gauss1-3)"""
    u, v = x - b[3], x - b[6]
    return (b[0] * exp(-b[1] * x) + b[2] * exp(-(u * u) / (b[4] * b[4]))
            + b[5] * exp(-(v * v) / (b[7] * b[7])))


def gauss_gradient(b, x):
    u, v = x - b[3], x - b[6]
    e1 = exp(-b[1] * x)
    g1 = exp(-(u * u) / (b[4] * b[4]))
    g2 = exp(-(v * v) / (b[7] * b[7]))
    return _columns(
        e1, -b[0] * x * e1,
        g1, b[2] * g1 * 2.0 * u / (b[4] * b[4]),
        b[2] * g1 * 2.0 * (u * u) / (b[4] * b[4] * b[4]),
        g2, b[5] * g2 * 2.0 * v / (b[7] * b[7]),
        b[5] * g2 * 2.0 * (v * v) / (b[7] * b[7] * b[7]))


def mgh17(b, x):
    """y = b1 + b2*exp[-x*b4] + b3*exp[-x*b5] (MGH17)"""
    return b[0] + b[1] * exp(-x * b[3]) + b[2] * exp(-x * b[4])


def mgh17_gradient(b, x):
    e4, e5 = exp(-x * b[3]), exp(-x * b[4])
    return _columns(np.ones_like(x), e4, e5, -b[1] * x * e4, -b[2] * x * e5)


def mgh10(b, x):
    """y = b1 * exp[b2/(x+b3)] (MGH10)"""
    return b[0] * exp(b[1] / (x + b[2]))


def mgh10_gradient(b, x):
    s = x + b[2]
    e = exp(b[1] / s)
    return _columns(e, b[0] * e / s, -b[0] * e * b[1] / (s * s))


def nelson(b, x):
    """log[y] = b1 - b2*x1 * exp[-b3*x2] (Nelson; the response is log y)"""
    x1, x2 = x
    return b[0] - b[1] * x1 * exp(-b[2] * x2)


def nelson_gradient(b, x):
    x1, x2 = x
    e = exp(-b[2] * x2)
    return _columns(np.ones_like(x1), -x1 * e, b[1] * x1 * x2 * e)


def eckerle4(b, x):
    """y = (b1/b2) * exp[-0.5*((x-b3)/b2)**2] (Eckerle4)"""
    z = (x - b[2]) / b[1]
    return (b[0] / b[1]) * exp(-0.5 * (z * z))


def eckerle4_gradient(b, x):
    z = (x - b[2]) / b[1]
    e = exp(-0.5 * (z * z))
    return _columns(e / b[1], b[0] * e * (z * z - 1.0) / (b[1] * b[1]),
                    (b[0] / b[1]) * e * z / b[1])


def rat42(b, x):
    """y = b1 / (1+exp[b2-b3*x]) (Rat42)"""
    return b[0] / (1.0 + exp(b[1] - b[2] * x))


def rat42_gradient(b, x):
    e = exp(b[1] - b[2] * x)
    u = 1.0 + e
    return _columns(1.0 / u, -b[0] * e / (u * u), b[0] * x * e / (u * u))


def rat43(b, x):
    """y = b1 / ((1+exp[b2-b3*x])**(1/b4)) (Rat43)"""
    return b[0] / power(1.0 + exp(b[1] - b[2] * x), 1.0 / b[3])


def rat43_gradient(b, x):
    e = exp(b[1] - b[2] * x)
    u = 1.0 + e
    p = power(u, -1.0 / b[3])
    q = power(u, -1.0 / b[3] - 1.0)
    return _columns(p, -b[0] * e * q / b[3], b[0] * x * e * q / b[3],
                    b[0] * p * log(u) / (b[3] * b[3]))


# --- power and rational models ---------------------------------------------

def danwood(b, x):
    """y = b1*x**b2 (DanWood)"""
    return b[0] * power(x, b[1])


def danwood_gradient(b, x):
    p = power(x, b[1])
    return _columns(p, b[0] * p * log(x))


def misra1b(b, x):
    """y = b1 * (1-(1+b2*x/2)**(-2)) (Misra1b)"""
    u = 1.0 + b[1] * x / 2.0
    return b[0] * (1.0 - 1.0 / (u * u))


def misra1b_gradient(b, x):
    u = 1.0 + b[1] * x / 2.0
    return _columns(1.0 - 1.0 / (u * u), b[0] * x / (u * u * u))


def misra1c(b, x):
    """y = b1 * (1-(1+2*b2*x)**(-.5)) (Misra1c)"""
    return b[0] * (1.0 - power(1.0 + 2.0 * b[1] * x, -0.5))


def misra1c_gradient(b, x):
    u = 1.0 + 2.0 * b[1] * x
    return _columns(1.0 - power(u, -0.5), b[0] * x * power(u, -1.5))


def misra1d(b, x):
    """y = b1*b2*x*((1+b2*x)**(-1)) (Misra1d)"""
    return b[0] * b[1] * x / (1.0 + b[1] * x)


def misra1d_gradient(b, x):
    u = 1.0 + b[1] * x
    return _columns(b[1] * x / u, b[0] * x / (u * u))


def bennett5(b, x):
    """y = b1 * (b2+x)**(-1/b3) (Bennett5)"""
    return b[0] * power(b[1] + x, -1.0 / b[2])


def bennett5_gradient(b, x):
    s = b[1] + x
    p = power(s, -1.0 / b[2])
    return _columns(p, -b[0] * power(s, -1.0 / b[2] - 1.0) / b[2],
                    b[0] * p * log(s) / (b[2] * b[2]))


def _rational(numerator_degree):
    """(b1 + b2*x + ...) / (1 + b*x + ...): the numerator has
    ``numerator_degree + 1`` parameters, the denominator the rest."""
    def model(b, x):
        numerator, denominator = _polynomials(b, x, numerator_degree)
        return numerator / denominator

    def gradient(b, x):
        numerator, denominator = _polynomials(b, x, numerator_degree)
        columns = []
        for k in range(numerator_degree + 1):
            columns.append(_ipow(x, k) / denominator)
        for k in range(1, len(b) - numerator_degree):
            columns.append(-numerator * _ipow(x, k)
                           / (denominator * denominator))
        return _columns(*columns)
    return model, gradient


def _ipow(x, k):
    """x**k by repeated multiplication, left to right."""
    result = np.ones_like(x)
    for _ in range(k):
        result = result * x
    return result


def _polynomials(b, x, numerator_degree):
    numerator = np.full_like(x, b[0])
    for k in range(1, numerator_degree + 1):
        numerator = numerator + b[k] * _ipow(x, k)
    denominator = np.ones_like(x)
    for k in range(1, len(b) - numerator_degree):
        denominator = denominator + b[numerator_degree + k] * _ipow(x, k)
    return numerator, denominator


kirby2, kirby2_gradient = _rational(2)
kirby2.__doc__ = "y = (b1 + b2*x + b3*x**2) / (1 + b4*x + b5*x**2) (Kirby2)"
cubic_rational, cubic_rational_gradient = _rational(3)
cubic_rational.__doc__ = ("y = (b1+b2*x+b3*x**2+b4*x**3) / "
                          "(1+b5*x+b6*x**2+b7*x**3) (Hahn1, Thurber)")


def mgh09(b, x):
    """y = b1*(x**2+x*b2) / (x**2+x*b3+b4) (MGH09)"""
    return b[0] * (x * x + x * b[1]) / (x * x + x * b[2] + b[3])


def mgh09_gradient(b, x):
    numerator = x * x + x * b[1]
    denominator = x * x + x * b[2] + b[3]
    d2 = denominator * denominator
    return _columns(numerator / denominator, b[0] * x / denominator,
                    -b[0] * numerator * x / d2, -b[0] * numerator / d2)


# --- trigonometric models ---------------------------------------------------

def roszman1(b, x):
    """y = b1 - b2*x - arctan[b3/(x-b4)]/pi (Roszman1)"""
    return b[0] - b[1] * x - atan(b[2] / (x - b[3])) / PI


def roszman1_gradient(b, x):
    s = x - b[3]
    v = b[2] / s
    w = PI * (1.0 + v * v)
    return _columns(np.ones_like(x), -x, -1.0 / (w * s),
                    -b[2] / (w * s * s))


def enso(b, x):
    """y = b1 + b2*cos(2*pi*x/12) + b3*sin(2*pi*x/12)
    + b5*cos(2*pi*x/b4) + b6*sin(2*pi*x/b4)
    + b8*cos(2*pi*x/b7) + b9*sin(2*pi*x/b7) (ENSO)"""
    a, c, d = 2.0 * PI * x / 12.0, 2.0 * PI * x / b[3], 2.0 * PI * x / b[6]
    return (b[0] + b[1] * cos(a) + b[2] * sin(a) + b[4] * cos(c)
            + b[5] * sin(c) + b[7] * cos(d) + b[8] * sin(d))


def enso_gradient(b, x):
    a, c, d = 2.0 * PI * x / 12.0, 2.0 * PI * x / b[3], 2.0 * PI * x / b[6]
    cos_c, sin_c, cos_d, sin_d = cos(c), sin(c), cos(d), sin(d)
    # d(2 pi x / b4) / d b4 = -(2 pi x / b4) / b4
    d_b4 = (-b[4] * sin_c + b[5] * cos_c) * (-c / b[3])
    d_b7 = (-b[7] * sin_d + b[8] * cos_d) * (-d / b[6])
    return _columns(np.ones_like(x), cos(a), sin(a), d_b4, cos_c, sin_c,
                    d_b7, cos_d, sin_d)


#: NIST data set name -> (model, gradient).
MODELS = {
    "Misra1a": (saturation, saturation_gradient),
    "Chwirut2": (chwirut, chwirut_gradient),
    "Chwirut1": (chwirut, chwirut_gradient),
    "Lanczos3": (lanczos, lanczos_gradient),
    "Gauss1": (gauss, gauss_gradient),
    "Gauss2": (gauss, gauss_gradient),
    "DanWood": (danwood, danwood_gradient),
    "Misra1b": (misra1b, misra1b_gradient),
    "Kirby2": (kirby2, kirby2_gradient),
    "Hahn1": (cubic_rational, cubic_rational_gradient),
    "Nelson": (nelson, nelson_gradient),
    "MGH17": (mgh17, mgh17_gradient),
    "Lanczos1": (lanczos, lanczos_gradient),
    "Lanczos2": (lanczos, lanczos_gradient),
    "Gauss3": (gauss, gauss_gradient),
    "Misra1c": (misra1c, misra1c_gradient),
    "Misra1d": (misra1d, misra1d_gradient),
    "Roszman1": (roszman1, roszman1_gradient),
    "ENSO": (enso, enso_gradient),
    "MGH09": (mgh09, mgh09_gradient),
    "Thurber": (cubic_rational, cubic_rational_gradient),
    "BoxBOD": (saturation, saturation_gradient),
    "Rat42": (rat42, rat42_gradient),
    "MGH10": (mgh10, mgh10_gradient),
    "Eckerle4": (eckerle4, eckerle4_gradient),
    "Rat43": (rat43, rat43_gradient),
    "Bennett5": (bennett5, bennett5_gradient),
}
