"""Small least-squares problems shared by the contract tests.

Each problem gives residuals, an analytic Jacobian (shape (m, n)), a start
and the args it needs; all are well-conditioned at their solution.
"""

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from pyminpack import _demo


@dataclass(frozen=True)
class Problem:
    name: str
    func: Callable
    jac: Callable
    x0: np.ndarray
    args: tuple = field(default=())

    def jac_transposed(self, x, *args):
        """The Jacobian as col_deriv=True wants it, shape (n, m)."""
        return np.ascontiguousarray(self.jac(x, *args).T)


def _gaussian(p, t, y):
    a, mu, sigma = p
    return a * np.exp(-0.5 * ((t - mu) / sigma) ** 2) - y


def _gaussian_jac(p, t, y):
    a, mu, sigma = p
    z = (t - mu) / sigma
    e = np.exp(-0.5 * z * z)
    return np.column_stack([e, a * e * z / sigma, a * e * z * z / sigma])


_T_GAUSS = np.linspace(-3.0, 3.0, 50)
_Y_GAUSS = (_gaussian([2.0, 0.3, 0.8], _T_GAUSS, 0.0)
            + 0.01 * np.sin(7.0 * _T_GAUSS))


def _decay(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] - y


def _decay_jac(p, t, y):
    e = np.exp(-p[1] * t)
    return np.column_stack([e, -p[0] * t * e, np.ones_like(t)])


_T_DECAY = np.linspace(0.0, 5.0, 30)
_Y_DECAY = 3.0 * np.exp(-0.7 * _T_DECAY) + 0.5 + 0.002 * np.cos(5 * _T_DECAY)


def _rational(p, t, y):
    return p[0] / (1.0 + p[1] * t) + p[2] - y


def _rational_jac(p, t, y):
    d = 1.0 + p[1] * t
    return np.column_stack([1.0 / d, -p[0] * t / (d * d), np.ones_like(t)])


# Only +, -, *, / and fmod, which IEEE 754 rounds the same on every machine:
# a fit whose ier depends on the last bit (ier 7 with ftol = xtol = 0) stays
# the same fit everywhere, unlike one through numpy's exp, whose SIMD kernels
# differ in the last bit between CPUs.
_T_RATIONAL = np.linspace(0.0, 4.0, 25)
_Y_RATIONAL = (2.0 / (1.0 + 0.7 * _T_RATIONAL) + 0.5
               + 0.01 * (np.fmod(7.0 * _T_RATIONAL, 1.0) - 0.5))


def _rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _rosenbrock_jac(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


_A_LINEAR = np.array([[1.0, 2.0], [3.0, 1.0], [0.5, -1.0], [2.0, 2.5]])
_B_LINEAR = np.array([1.0, 2.0, 0.0, -1.0])


def _linear(x):
    return _A_LINEAR @ x - _B_LINEAR


def _linear_jac(x):
    return _A_LINEAR.copy()


PROBLEMS = [
    Problem("users_guide", lambda x: _demo.residuals(x),
            lambda x: _demo.jacobian(x), _demo.X0),
    Problem("gaussian", _gaussian, _gaussian_jac, np.array([1.0, 0.0, 1.0]),
            (_T_GAUSS, _Y_GAUSS)),
    Problem("decay", _decay, _decay_jac, np.array([1.0, 1.0, 0.0]),
            (_T_DECAY, _Y_DECAY)),
    Problem("rational", _rational, _rational_jac, np.array([1.0, 1.0, 1.0]),
            (_T_RATIONAL, _Y_RATIONAL)),
    Problem("rosenbrock", _rosenbrock, _rosenbrock_jac,
            np.array([-1.2, 1.0])),
    Problem("linear", _linear, _linear_jac, np.array([0.0, 0.0])),
]

BY_NAME = {p.name: p for p in PROBLEMS}
