"""R's self-starting models for tools/bench_groups.py, written from their
published formulas (Pinheiro and Bates, *Mixed-Effects Models in S and
S-PLUS*, 2000, appendix C; R's ``?SSlogis`` etc.).

Each model is the one-group formula in numpy (it broadcasts, so
curve_fit_batch can pass (k, 1) parameter columns).  Each start works on
padded rows, x (k, M) (or (c, k, M)) and y (k, M) with NaN after a group's
points, as ``curve_fit_groups(..., p0_vectorized=True)`` passes them, and
returns (k, n); ``one_group`` makes the per-group form a ``groupby`` loop
calls (the same arithmetic on one row).  The starts are simple
linearisations, not R's algorithms: good enough to start MINPACK.
"""

import numpy as np

__all__ = ["logistic", "logistic_start", "logistic_log", "logistic_log_start",
           "asymptotic", "asymptotic_start", "micmen", "micmen_start",
           "first_order", "first_order_start", "biexp", "biexp_start",
           "one_group"]


def one_group(start):
    """start for one group: x (m,) or (c, m), y (m,) -> (n,)."""
    def per_group(x, y):
        return start(np.asarray(x)[..., None, :], y[None, :])[0]
    per_group.__name__ = start.__name__ + "_one_group"
    return per_group


def _line(x, y, mask):
    """Least-squares slope and intercept of y on x over `mask`, per row."""
    count = mask.sum(axis=1)
    x = np.where(mask, x, 0.0)
    y = np.where(mask, y, 0.0)
    mx, my = x.sum(axis=1) / count, y.sum(axis=1) / count
    dx = np.where(mask, x - mx[:, None], 0.0)
    slope = (dx * (y - my[:, None])).sum(axis=1) / (dx * dx).sum(axis=1)
    return slope, my - slope * mx


def _points(y):
    return ~np.isnan(y)


# SSlogis: Asym / (1 + exp((xmid - x) / scal)).
def logistic(x, Asym, xmid, scal):
    return Asym / (1 + np.exp((xmid - x) / scal))


def logistic_start(x, y):
    """Asym a little above the largest y; xmid and scal from the straight
    line of x on logit(y / Asym)."""
    mask = _points(y)
    asym = 1.05 * np.nanmax(y, axis=1)
    with np.errstate(all="ignore"):
        z = y / asym[:, None]
        logit = np.log(z / (1 - z))
    mask &= np.isfinite(logit)
    scal, xmid = _line(logit, x, mask)
    return np.column_stack([asym, xmid, scal])


# DNase: density ~ SSlogis(log(conc), Asym, xmid, scal).
def logistic_log(conc, Asym, xmid, scal):
    return Asym / (1 + np.exp((xmid - np.log(conc)) / scal))


def logistic_log_start(conc, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        return logistic_start(np.log(conc), y)


# SSasymp: Asym + (R0 - Asym) * exp(-exp(lrc) * x).
def asymptotic(x, Asym, R0, lrc):
    return Asym + (R0 - Asym) * np.exp(-np.exp(lrc) * x)


def asymptotic_start(x, y):
    """Asym above the largest y; the rate and R0 from the straight line of
    log(Asym - y) on x."""
    mask = _points(y)
    top, bottom = np.nanmax(y, axis=1), np.nanmin(y, axis=1)
    asym = top + 0.25 * (top - bottom)
    with np.errstate(all="ignore"):
        slope, intercept = _line(x, np.log(asym[:, None] - y), mask)
        return np.column_stack([asym, asym - np.exp(intercept),
                                np.log(-slope)])


# SSmicmen: Vm * x / (K + x).
def micmen(x, Vm, K):
    return Vm * x / (K + x)


def micmen_start(x, y):
    """Hanes-Woolf: x / y = K / Vm + x / Vm is a straight line in x."""
    mask = _points(y) & (x > 0)
    with np.errstate(all="ignore"):
        slope, intercept = _line(x, x / y, mask)
    vm = 1.0 / slope
    return np.column_stack([vm, intercept * vm])


# SSfol (Theoph): conc ~ SSfol(Dose, Time, lKe, lKa, lCl).
def first_order(x, lKe, lKa, lCl):
    dose, t = x
    ke, ka = np.exp(lKe), np.exp(lKa)
    return (dose * np.exp(lKe + lKa - lCl)
            * (np.exp(-ke * t) - np.exp(-ka * t)) / (ka - ke))


def first_order_start(x, y):
    """ke from the log-linear fall of the points after the peak, ka from
    the time of the peak (t_max = log(ka / ke) / (ka - ke), solved for ka
    by bisection), the clearance as dose / AUC (trapezoids and the tail)."""
    dose, t = x
    mask = _points(y)
    filled = np.where(mask, y, -np.inf)
    peak = filled.argmax(axis=1)
    rows = np.arange(y.shape[0])
    position = np.arange(y.shape[1])
    tail = mask & (position > peak[:, None]) & (y > 0)
    with np.errstate(all="ignore"):
        slope, _ = _line(t, np.log(y), tail)
    ke = np.maximum(-slope, 1e-3)
    target = ke * t[rows, peak]  # log(r) / (r - 1) with r = ka / ke > 1
    low, high = np.zeros_like(ke), np.full_like(ke, 8.0)  # log r
    for _ in range(40):
        middle = 0.5 * (low + high)
        r = np.exp(middle)
        value = middle / (r - 1.0)
        low = np.where(value > target, middle, low)
        high = np.where(value > target, high, middle)
    ka = ke * np.exp(0.5 * (low + high))
    y0 = np.where(mask, y, 0.0)
    steps = np.diff(np.where(mask, t, 0.0), axis=1) * (y0[:, 1:] + y0[:, :-1])
    auc = 0.5 * np.where(mask[:, 1:], steps, 0.0).sum(axis=1)
    last = mask.sum(axis=1) - 1
    auc += y0[rows, last] / ke
    return np.column_stack([np.log(ke), np.log(ka),
                            np.log(dose[rows, 0] / auc)])


# SSbiexp (Indometh): A1 exp(-exp(lrc1) t) + A2 exp(-exp(lrc2) t).
def biexp(t, A1, lrc1, A2, lrc2):
    return A1 * np.exp(-np.exp(lrc1) * t) + A2 * np.exp(-np.exp(lrc2) * t)


def biexp_start(t, y):
    """Curve peeling: the slow phase from the log-linear last half of the
    points, the fast one from what is left of the first half."""
    mask = _points(y)
    count = mask.sum(axis=1)
    position = np.arange(y.shape[1])
    late = mask & (position >= count[:, None] // 2) & (y > 0)
    with np.errstate(all="ignore"):
        slope2, intercept2 = _line(t, np.log(y), late)
        k2 = np.maximum(-slope2, 1e-3)
        rest = y - np.exp(intercept2)[:, None] * np.exp(-k2[:, None] * t)
        early = mask & (position < count[:, None] // 2) & (rest > 0)
        slope1, intercept1 = _line(t, np.log(rest), early)
    k1 = np.maximum(-slope1, 2.0 * k2)
    return np.column_stack([np.exp(intercept1), np.log(k1),
                            np.exp(intercept2), np.log(k2)])
