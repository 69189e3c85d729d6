"""The 14 systems of nonlinear equations of MINPACK-1's HYBRD/HYBRJ tests.

A translation of the drivers' VECFCN, VECJAC and INITPT (Moré, Garbow and
Hillstrom, 1981) that computes every value with the same floating-point
operations in the same order as the Fortran, so that the Fortran drivers'
results can be reproduced to the bit: scalar loops, ``math`` functions
(glibc's scalar ``exp``, ``atan``, ``sin``, ``cos``, as the driver compiled
without vectorisation calls), integer powers written as products (gfortran
expands ``x**2`` and ``x**3`` into ``x*x`` and ``x*x*x``), and Fortran's
left-to-right evaluation of each expression.
"""

import math

import numpy as np

#: Problem number -> name, as VECFCN's comments give them.
NAMES = {
    1: "Rosenbrock", 2: "Powell singular", 3: "Powell badly scaled",
    4: "Wood", 5: "helical valley", 6: "Watson", 7: "Chebyquad",
    8: "Brown almost-linear", 9: "discrete boundary value",
    10: "discrete integral equation", 11: "trigonometric",
    12: "variably dimensioned", 13: "Broyden tridiagonal",
    14: "Broyden banded",
}


def vecfcn(x, nprob):
    """VECFCN: the n function values of problem ``nprob`` at ``x``."""
    x = [float(v) for v in x]
    n = len(x)
    f = [0.0] * n
    if nprob == 1:
        f[0] = 1.0 - x[0]
        f[1] = 10.0 * (x[1] - x[0] * x[0])
    elif nprob == 2:
        f[0] = x[0] + 10.0 * x[1]
        f[1] = math.sqrt(5.0) * (x[2] - x[3])
        t = x[1] - 2.0 * x[2]
        f[2] = t * t
        t = x[0] - x[3]
        f[3] = math.sqrt(10.0) * (t * t)
    elif nprob == 3:
        f[0] = 1.0e4 * x[0] * x[1] - 1.0
        f[1] = math.exp(-x[0]) + math.exp(-x[1]) - 1.0001
    elif nprob == 4:
        temp1 = x[1] - x[0] * x[0]
        temp2 = x[3] - x[2] * x[2]
        f[0] = -(2.0e2 * x[0] * temp1) - (1.0 - x[0])
        f[1] = 2.0e2 * temp1 + 2.02e1 * (x[1] - 1.0) + 1.98e1 * (x[3] - 1.0)
        f[2] = -(1.8e2 * x[2] * temp2) - (1.0 - x[2])
        f[3] = 1.8e2 * temp2 + 2.02e1 * (x[3] - 1.0) + 1.98e1 * (x[1] - 1.0)
    elif nprob == 5:
        tpi = 8.0 * math.atan(1.0)
        temp1 = math.copysign(2.5e-1, x[1])
        if x[0] > 0.0:
            temp1 = math.atan(x[1] / x[0]) / tpi
        if x[0] < 0.0:
            temp1 = math.atan(x[1] / x[0]) / tpi + 5.0e-1
        temp2 = math.sqrt(x[0] * x[0] + x[1] * x[1])
        f[0] = 10.0 * (x[2] - 10.0 * temp1)
        f[1] = 10.0 * (temp2 - 1.0)
        f[2] = x[2]
    elif nprob == 6:
        for i in range(1, 30):
            ti = float(i) / 2.9e1
            sum1 = 0.0
            temp = 1.0
            for j in range(2, n + 1):
                sum1 = sum1 + float(j - 1) * temp * x[j - 1]
                temp = ti * temp
            sum2 = 0.0
            temp = 1.0
            for j in range(1, n + 1):
                sum2 = sum2 + temp * x[j - 1]
                temp = ti * temp
            temp1 = sum1 - sum2 * sum2 - 1.0
            temp2 = 2.0 * ti * sum2
            temp = 1.0 / ti
            for k in range(1, n + 1):
                f[k - 1] = f[k - 1] + temp * (float(k - 1) - temp2) * temp1
                temp = ti * temp
        temp = x[1] - x[0] * x[0] - 1.0
        f[0] = f[0] + x[0] * (1.0 - 2.0 * temp)
        f[1] = f[1] + temp
    elif nprob == 7:
        for j in range(n):
            temp1 = 1.0
            temp2 = 2.0 * x[j] - 1.0
            temp = 2.0 * temp2
            for i in range(n):
                f[i] = f[i] + temp2
                ti = temp * temp2 - temp1
                temp1 = temp2
                temp2 = ti
        tk = 1.0 / float(n)
        iev = -1
        for k in range(1, n + 1):
            f[k - 1] = tk * f[k - 1]
            if iev > 0:
                f[k - 1] = f[k - 1] + 1.0 / (float(k * k) - 1.0)
            iev = -iev
    elif nprob == 8:
        total = -float(n + 1)
        prod = 1.0
        for j in range(n):
            total = total + x[j]
            prod = x[j] * prod
        for k in range(n):
            f[k] = x[k] + total
        f[n - 1] = prod - 1.0
    elif nprob == 9:
        h = 1.0 / float(n + 1)
        for k in range(1, n + 1):
            base = x[k - 1] + float(k) * h + 1.0
            temp = base * base * base
            temp1 = x[k - 2] if k != 1 else 0.0
            temp2 = x[k] if k != n else 0.0
            f[k - 1] = 2.0 * x[k - 1] - temp1 - temp2 + temp * (h * h) / 2.0
    elif nprob == 10:
        h = 1.0 / float(n + 1)
        for k in range(1, n + 1):
            tk = float(k) * h
            sum1 = 0.0
            for j in range(1, k + 1):
                tj = float(j) * h
                base = x[j - 1] + tj + 1.0
                sum1 = sum1 + tj * (base * base * base)
            sum2 = 0.0
            for j in range(k + 1, n + 1):
                tj = float(j) * h
                base = x[j - 1] + tj + 1.0
                sum2 = sum2 + (1.0 - tj) * (base * base * base)
            f[k - 1] = x[k - 1] + h * ((1.0 - tk) * sum1 + tk * sum2) / 2.0
    elif nprob == 11:
        total = 0.0
        for j in range(n):
            f[j] = math.cos(x[j])
            total = total + f[j]
        for k in range(1, n + 1):
            f[k - 1] = (float(n + k) - math.sin(x[k - 1]) - total
                        - float(k) * f[k - 1])
    elif nprob == 12:
        total = 0.0
        for j in range(1, n + 1):
            total = total + float(j) * (x[j - 1] - 1.0)
        temp = total * (1.0 + 2.0 * (total * total))
        for k in range(1, n + 1):
            f[k - 1] = x[k - 1] - 1.0 + float(k) * temp
    elif nprob == 13:
        for k in range(1, n + 1):
            temp = (3.0 - 2.0 * x[k - 1]) * x[k - 1]
            temp1 = x[k - 2] if k != 1 else 0.0
            temp2 = x[k] if k != n else 0.0
            f[k - 1] = temp - temp1 - 2.0 * temp2 + 1.0
    elif nprob == 14:
        ml, mu = 5, 1
        for k in range(1, n + 1):
            temp = 0.0
            for j in range(max(1, k - ml), min(k + mu, n) + 1):
                if j != k:
                    temp = temp + x[j - 1] * (1.0 + x[j - 1])
            xk = x[k - 1]
            f[k - 1] = xk * (2.0 + 5.0 * (xk * xk)) + 1.0 - temp
    else:
        raise ValueError(f"no MINPACK-1 equation problem {nprob}")
    return np.array(f)


def vecjac(x, nprob):
    """VECJAC (file16): the (n, n) Jacobian of problem ``nprob`` at ``x``,
    ``J[k, j] = d f_k / d x_j``."""
    x = [float(v) for v in x]
    n = len(x)
    J = [[0.0] * n for _ in range(n)]
    if nprob == 1:
        J[0][0] = -1.0
        J[1][0] = -(20.0 * x[0])
        J[1][1] = 10.0
    elif nprob == 2:
        J[0][0] = 1.0
        J[0][1] = 10.0
        J[1][2] = math.sqrt(5.0)
        J[1][3] = -J[1][2]
        J[2][1] = 2.0 * (x[1] - 2.0 * x[2])
        J[2][2] = -(2.0 * J[2][1])
        J[3][0] = 2.0 * math.sqrt(10.0) * (x[0] - x[3])
        J[3][3] = -J[3][0]
    elif nprob == 3:
        J[0][0] = 1.0e4 * x[1]
        J[0][1] = 1.0e4 * x[0]
        J[1][0] = -math.exp(-x[0])
        J[1][1] = -math.exp(-x[1])
    elif nprob == 4:
        c3, c4, c5, c6 = 2.0e2, 2.02e1, 1.98e1, 1.8e2
        temp1 = x[1] - 3.0 * (x[0] * x[0])
        temp2 = x[3] - 3.0 * (x[2] * x[2])
        J[0][0] = -(c3 * temp1) + 1.0
        J[0][1] = -(c3 * x[0])
        J[1][0] = -(2.0 * c3 * x[0])
        J[1][1] = c3 + c4
        J[1][3] = c5
        J[2][2] = -(c6 * temp2) + 1.0
        J[2][3] = -(c6 * x[2])
        J[3][1] = c5
        J[3][2] = -(2.0 * c6 * x[2])
        J[3][3] = c6 + c4
    elif nprob == 5:
        tpi = 8.0 * math.atan(1.0)
        temp = x[0] * x[0] + x[1] * x[1]
        temp1 = tpi * temp
        temp2 = math.sqrt(temp)
        J[0][0] = 1.0e2 * x[1] / temp1
        J[0][1] = -(1.0e2 * x[0] / temp1)
        J[0][2] = 10.0
        J[1][0] = 10.0 * x[0] / temp2
        J[1][1] = 10.0 * x[1] / temp2
        J[2][2] = 1.0
    elif nprob == 6:
        for i in range(1, 30):
            ti = float(i) / 2.9e1
            sum1 = 0.0
            temp = 1.0
            for j in range(2, n + 1):
                sum1 = sum1 + float(j - 1) * temp * x[j - 1]
                temp = ti * temp
            sum2 = 0.0
            temp = 1.0
            for j in range(1, n + 1):
                sum2 = sum2 + temp * x[j - 1]
                temp = ti * temp
            temp1 = 2.0 * (sum1 - sum2 * sum2 - 1.0)
            temp2 = 2.0 * sum2
            temp = ti * ti
            tk = 1.0
            for k in range(1, n + 1):
                tj = tk
                for j in range(k, n + 1):
                    J[k - 1][j - 1] = J[k - 1][j - 1] + tj * (
                        (float(k - 1) / ti - temp2)
                        * (float(j - 1) / ti - temp2) - temp1)
                    tj = ti * tj
                tk = temp * tk
        J[0][0] = J[0][0] + 6.0 * (x[0] * x[0]) - 2.0 * x[1] + 3.0
        J[0][1] = J[0][1] - 2.0 * x[0]
        J[1][1] = J[1][1] + 1.0
        for k in range(n):
            for j in range(k, n):
                J[j][k] = J[k][j]
    elif nprob == 7:
        tk = 1.0 / float(n)
        for j in range(n):
            temp1 = 1.0
            temp2 = 2.0 * x[j] - 1.0
            temp = 2.0 * temp2
            temp3 = 0.0
            temp4 = 2.0
            for k in range(n):
                J[k][j] = tk * temp4
                ti = 4.0 * temp2 + temp * temp4 - temp3
                temp3 = temp4
                temp4 = ti
                ti = temp * temp2 - temp1
                temp1 = temp2
                temp2 = ti
    elif nprob == 8:
        prod = 1.0
        for j in range(n):
            prod = x[j] * prod
            for k in range(n):
                J[k][j] = 1.0
            J[j][j] = 2.0
        for j in range(n):
            temp = x[j]
            if temp == 0.0:
                temp = 1.0
                prod = 1.0
                for k in range(n):
                    if k != j:
                        prod = x[k] * prod
            J[n - 1][j] = prod / temp
    elif nprob == 9:
        h = 1.0 / float(n + 1)
        for k in range(1, n + 1):
            base = x[k - 1] + float(k) * h + 1.0
            temp = 3.0 * (base * base)
            J[k - 1][k - 1] = 2.0 + temp * (h * h) / 2.0
            if k != 1:
                J[k - 1][k - 2] = -1.0
            if k != n:
                J[k - 1][k] = -1.0
    elif nprob == 10:
        h = 1.0 / float(n + 1)
        for k in range(1, n + 1):
            tk = float(k) * h
            for j in range(1, n + 1):
                tj = float(j) * h
                base = x[j - 1] + tj + 1.0
                temp = 3.0 * (base * base)
                J[k - 1][j - 1] = (h * min(tj * (1.0 - tk), tk * (1.0 - tj))
                                   * temp / 2.0)
            J[k - 1][k - 1] = J[k - 1][k - 1] + 1.0
    elif nprob == 11:
        for j in range(1, n + 1):
            temp = math.sin(x[j - 1])
            for k in range(n):
                J[k][j - 1] = temp
            J[j - 1][j - 1] = float(j + 1) * temp - math.cos(x[j - 1])
    elif nprob == 12:
        total = 0.0
        for j in range(1, n + 1):
            total = total + float(j) * (x[j - 1] - 1.0)
        temp = 1.0 + 6.0 * (total * total)
        for k in range(1, n + 1):
            for j in range(k, n + 1):
                J[k - 1][j - 1] = float(k * j) * temp
                J[j - 1][k - 1] = J[k - 1][j - 1]
            J[k - 1][k - 1] = J[k - 1][k - 1] + 1.0
    elif nprob == 13:
        for k in range(1, n + 1):
            J[k - 1][k - 1] = 3.0 - 4.0 * x[k - 1]
            if k != 1:
                J[k - 1][k - 2] = -1.0
            if k != n:
                J[k - 1][k] = -2.0
    elif nprob == 14:
        ml, mu = 5, 1
        for k in range(1, n + 1):
            for j in range(max(1, k - ml), min(k + mu, n) + 1):
                if j != k:
                    J[k - 1][j - 1] = -(1.0 + 2.0 * x[j - 1])
            J[k - 1][k - 1] = 2.0 + 1.5e1 * (x[k - 1] * x[k - 1])
    else:
        raise ValueError(f"no MINPACK-1 equation problem {nprob}")
    return np.array(J)


def initpt(n, nprob, factor):
    """INITPT: the standard start of problem ``nprob``, times ``factor``
    (for Watson, whose standard start is 0, every entry is ``factor``)."""
    if nprob == 1:
        x = [-1.2, 1.0]
    elif nprob == 2:
        x = [3.0, -1.0, 0.0, 1.0]
    elif nprob == 3:
        x = [0.0, 1.0]
    elif nprob == 4:
        x = [-3.0, -1.0, -3.0, -1.0]
    elif nprob == 5:
        x = [-1.0, 0.0, 0.0]
    elif nprob == 6:
        x = [0.0] * n
    elif nprob == 7:
        h = 1.0 / float(n + 1)
        x = [float(j) * h for j in range(1, n + 1)]
    elif nprob == 8:
        x = [0.5] * n
    elif nprob in (9, 10):
        h = 1.0 / float(n + 1)
        x = [float(j) * h * (float(j) * h - 1.0) for j in range(1, n + 1)]
    elif nprob == 11:
        x = [1.0 / float(n)] * n
    elif nprob == 12:
        h = 1.0 / float(n)
        x = [1.0 - float(j) * h for j in range(1, n + 1)]
    elif nprob in (13, 14):
        x = [-1.0] * n
    else:
        raise ValueError(f"no MINPACK-1 equation problem {nprob}")
    if factor != 1.0:
        x = [factor] * n if nprob == 6 else [factor * v for v in x]
    return np.array(x)
