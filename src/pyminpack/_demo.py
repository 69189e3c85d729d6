"""The example of the MINPACK-1 users' guide, fitted and reported.

Fifteen observations y_i are fitted by ``y = x1 + u / (x2*v + x3*w)`` with
``u = i``, ``v = 16 - i`` and ``w = min(u, v)``, starting from (1, 1, 1)
(Moré, Garbow and Hillstrom, ANL-80-74, 1980).  ``python -m pyminpack``
runs it with a forward-difference Jacobian (lmdif) and with the analytic
one (lmder).
"""

import numpy as np

from ._leastsq import leastsq

Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58,
              0.73, 0.96, 1.34, 2.10, 4.39])
U = np.arange(1.0, 16.0)
V = 16.0 - U
W = np.minimum(U, V)
X0 = np.array([1.0, 1.0, 1.0])


def residuals(x):
    """y_i minus the model at x (MINPACK's sign convention)."""
    return Y - (x[0] + U / (x[1] * V + x[2] * W))


def jacobian(x):
    """d residuals_i / d x_j, shape (15, 3)."""
    denominator = (x[1] * V + x[2] * W) ** 2
    return np.column_stack([np.full_like(U, -1.0),
                            U * V / denominator,
                            U * W / denominator])


def report(title, x, cov_x, infodict, mesg, ier):
    """The fit as readable text."""
    fvec = infodict["fvec"]
    m, n = fvec.size, x.size
    norm = float(np.sqrt(fvec @ fvec))
    lines = [title, "-" * len(title)]
    if cov_x is None:
        lines.append("  (no covariance: the fit did not converge)")
        errors = np.full(n, np.nan)
    else:
        # cov_x is inv(J^T J): scale by the residual variance for the
        # standard errors of the parameters.
        variance = norm**2 / (m - n)
        errors = np.sqrt(np.diagonal(cov_x) * variance)
    for j in range(n):
        lines.append(f"  x{j + 1} = {x[j]: .10f}  +/- {errors[j]:.6f}")
    lines.append(f"  final residual norm  {norm:.10f}")
    calls = f"  nfev = {infodict['nfev']}"
    if "njev" in infodict:
        calls += f", njev = {infodict['njev']}"
    lines.append(calls)
    lines.append(f"  ier = {ier}: {mesg}")
    return "\n".join(lines)


def main():
    print("MINPACK-1 users' guide example: 15 observations, 3 parameters")
    print("model  y = x1 + u / (x2*v + x3*w),  start (1, 1, 1)\n")
    fit = leastsq(residuals, X0, full_output=True)
    print(report("lmdif (forward-difference Jacobian)", fit[0], *fit[1:]))
    print()
    fit = leastsq(residuals, X0, Dfun=jacobian, full_output=True)
    print(report("lmder (analytic Jacobian)", fit[0], *fit[1:]))
