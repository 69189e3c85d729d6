"""Small systems of n equations in n unknowns, with Jacobians, for the
fsolve tests: classics of Moré, Garbow and Hillstrom, a banded one, and
random ones (each a fixed seed)."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class System:
    name: str
    func: object
    jac: object
    x0: np.ndarray
    band: tuple = None  # (ml, mu) when the Jacobian is banded

    def jac_transposed(self, x, *args):
        return np.ascontiguousarray(np.asarray(self.jac(x, *args)).T)


def _rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def _rosenbrock_jac(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0]])


def _powell_singular(x):
    return np.array([x[0] + 10.0 * x[1],
                     np.sqrt(5.0) * (x[2] - x[3]),
                     (x[1] - 2.0 * x[2]) ** 2,
                     np.sqrt(10.0) * (x[0] - x[3]) ** 2])


def _powell_singular_jac(x):
    a, b = 2.0 * (x[1] - 2.0 * x[2]), 2.0 * np.sqrt(10.0) * (x[0] - x[3])
    return np.array([[1.0, 10.0, 0.0, 0.0],
                     [0.0, 0.0, np.sqrt(5.0), -np.sqrt(5.0)],
                     [0.0, a, -2.0 * a, 0.0],
                     [b, 0.0, 0.0, -b]])


def _helical_valley(x):
    theta = np.arctan2(x[1], x[0]) / (2.0 * np.pi)
    r = np.hypot(x[0], x[1])
    return np.array([10.0 * (x[2] - 10.0 * theta), 10.0 * (r - 1.0), x[2]])


def _helical_valley_jac(x):
    r2 = x[0] ** 2 + x[1] ** 2
    r = np.sqrt(r2)
    t = 100.0 / (2.0 * np.pi * r2)
    return np.array([[t * x[1], -t * x[0], 10.0],
                     [10.0 * x[0] / r, 10.0 * x[1] / r, 0.0],
                     [0.0, 0.0, 1.0]])


def _broyden_tridiagonal(x):
    padded = np.concatenate(([0.0], x, [0.0]))
    return (3.0 - 2.0 * x) * x - padded[:-2] - 2.0 * padded[2:] + 1.0


def _broyden_tridiagonal_jac(x):
    n = x.size
    jac = np.diag(3.0 - 4.0 * x)
    jac -= np.eye(n, k=-1)
    jac -= 2.0 * np.eye(n, k=1)
    return jac


def _scipy_example(x):
    return [x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5]


def _scipy_example_jac(x):
    return [[np.cos(x[1]), -x[0] * np.sin(x[1])], [x[1], x[0] - 1.0]]


def _random_system(seed, n):
    """f(x) = A x + c * sin(x) - b: smooth, with a root near 0."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, n)) + n * np.eye(n)
    c = rng.uniform(0.5, 2.0, size=n)
    b = rng.normal(size=n)

    def func(x):
        return a @ x + c * np.sin(x) - b

    def jac(x):
        return a + np.diag(c * np.cos(x))

    return System(f"random_{seed}_n{n}", func, jac,
                  rng.normal(size=n) * 3.0)


SYSTEMS = [
    System("rosenbrock", _rosenbrock, _rosenbrock_jac, np.array([-1.2, 1.0])),
    System("powell_singular", _powell_singular, _powell_singular_jac,
           np.array([3.0, -1.0, 0.0, 1.0])),
    System("helical_valley", _helical_valley, _helical_valley_jac,
           np.array([-1.0, 0.0, 0.0])),
    System("broyden_tridiagonal", _broyden_tridiagonal,
           _broyden_tridiagonal_jac, -np.ones(9), band=(1, 1)),
    System("scipy_example", _scipy_example, _scipy_example_jac,
           np.array([1.0, 1.0])),
] + [_random_system(seed, n) for seed, n in [(1, 1), (2, 3), (3, 5), (4, 8)]]
