"""shared/spec/curve_fit.md §17: curve_fit side by side with scipy's.

Against scipy 1.14.1 (the test extra's pin, the last scipy on the Fortran
MINPACK) popt, infodict's fvec, nfev and njev, mesg and ier are bitwise
equal and pcov within 1e-12 relative, for sigma None, a scalar or 1-D.  A
covariance sigma is within 1e-6 relative (numpy has no triangular solve
with LAPACK's bits), and a diagonal covariance gives the 1-D sigma's pcov
to 1e-14.  Later scipy releases run a C translation: against those only
the tolerant comparisons run.  Data are seeded; NaN during the fit (§16)
differs by design and is not compared.
"""

import functools
import warnings

import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")

from pyminpack import curve_fit  # noqa: E402
from scipy_kind import (  # noqa: E402
    FORTRAN_SCIPY, SCIPY_IPVT_OFFSET, as_scipy_1_14_wrote_it)

SEEDS = range(8)
COV_SEEDS = range(4)  # scipy's covariance path costs ~10x its 1-D one


# --- models ------------------------------------------------------------------

def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def decay_jac(x, a, b, c):
    e = np.exp(-b * x)
    return np.column_stack([e, -a * x * e, np.ones_like(x)])


def gaussian(x, a, mu, s, c):
    return a * np.exp(-0.5 * ((x - mu) / s) ** 2) + c


def gaussian_jac(x, a, mu, s, c):
    z = (x - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.column_stack([e, a * e * z / s, a * e * z * z / s,
                            np.ones_like(x)])


def plane(x, a, b, c):
    return a * x[0] + b * np.exp(-c * x[1])


def _shifted(offset, x, a, b):
    return a * np.sin(b * x) + offset


def peak(x, a, mu, s):
    return a * np.exp(-0.5 * ((x - mu) / s) ** 2)


def peak_jac(x, a, mu, s):
    z = (x - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.column_stack([e, a * e * z / s, a * e * z * z / s])


class Case:
    """A model, its data and start for one seed."""

    def __init__(self, f, jac, xdata, truth, p0, noise):
        self.f, self.jac, self.xdata = f, jac, xdata
        self.truth, self.p0, self.noise = truth, p0, noise


def _decay(rng):
    x = np.linspace(0.0, 4.0, 30)
    return Case(decay, decay_jac, x, (2.5, 1.3, 0.5), None, 0.02)


def _gaussian(rng):
    x = np.linspace(-5.0, 5.0, 50)
    truth = (3.0, 0.5, 1.2, 0.3)
    p0 = np.array(truth) * (1.0 + 0.2 * rng.standard_normal(4)) + \
        [0, 0, 0, 0.1]
    return Case(gaussian, gaussian_jac, x, truth, p0, 0.05)


def _plane(rng):
    u = np.linspace(0.0, 2.0, 40)
    v = rng.random(40) * 3.0
    return Case(plane, None, (u, v), (1.5, 2.0, 0.8), [1.0, 1.0, 0.5], 0.02)


def _partial(rng):
    x = np.linspace(0.0, 3.0, 25)
    model = functools.partial(_shifted, 0.25)  # positionally bound
    return Case(model, None, x, (1.2, 1.1), None, 0.02)


def _peak(rng):
    x = np.linspace(-3.0, 3.0, 40)
    truth = (2.0, -0.3, 0.9)
    p0 = np.array(truth) * (1.0 + 0.15 * rng.standard_normal(3))
    return Case(peak, peak_jac, x, truth, p0, 0.03)


MODELS = {"decay": _decay, "gaussian_50x4": _gaussian, "xdata_2d": _plane,
          "partial": _partial, "peak_with_jac": _peak}

CONFIGS = {
    "none": {},
    "scalar": {"sigma": "scalar"},
    "1d": {"sigma": "1d"},
    "1d_absolute": {"sigma": "1d", "absolute_sigma": True},
    "jac": {"jac": True},
    "1d_jac": {"sigma": "1d", "jac": True},
    "1d_absolute_jac": {"sigma": "1d", "absolute_sigma": True, "jac": True},
}


def data(model, seed):
    rng = np.random.default_rng([seed, len(model)])
    case = MODELS[model](rng)
    clean = case.f(np.asarray(case.xdata), *case.truth)
    y = clean + case.noise * rng.standard_normal(clean.size)
    sigmas = case.noise * (0.5 + rng.random(clean.size))
    return case, y, sigmas


def both(f, xdata, ydata, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither may warn on these fits
        ours = curve_fit(f, xdata, ydata, full_output=True, **options)
        theirs = scipy_optimize.curve_fit(f, xdata, ydata, full_output=True,
                                          **options)
    return ours, theirs


def assert_covariance_close(ours, theirs, rtol):
    """Relative for a covariance matrix: the variances each to rtol, and
    every entry to rtol of sqrt(var_i var_j), its natural scale (an
    off-diagonal entry near zero has no relative precision of its own)."""
    np.testing.assert_allclose(np.diag(ours), np.diag(theirs), rtol=rtol)
    scale = np.sqrt(np.outer(np.diag(theirs), np.diag(theirs)))
    np.testing.assert_allclose(ours / scale, theirs / scale, rtol=0,
                               atol=rtol)


def assert_agree(ours, theirs):
    popt, pcov, info, mesg, ier = ours
    s_popt, s_pcov, s_info, s_mesg, s_ier = theirs
    if FORTRAN_SCIPY:
        assert popt.tobytes() == s_popt.tobytes()
        assert info["fvec"].tobytes() == s_info["fvec"].tobytes()
        assert info["nfev"] == s_info["nfev"]
        assert ("njev" in info) == ("njev" in s_info)
        if "njev" in info:
            assert info["njev"] == s_info["njev"]
        assert mesg == s_mesg and ier == s_ier
        assert np.array_equal(info["ipvt"], s_info["ipvt"])
        np.testing.assert_allclose(pcov, s_pcov, rtol=1e-12, atol=0)
    else:  # a C translation: the spec's §15 row on the last bits
        np.testing.assert_allclose(popt, s_popt, rtol=1e-6)
        assert_covariance_close(pcov, s_pcov, 1e-5)
        assert np.array_equal(info["ipvt"],
                              s_info["ipvt"] + SCIPY_IPVT_OFFSET)
    assert list(info) == list(s_info)
    assert type(mesg) is str and type(ier) is int
    assert popt.dtype == s_popt.dtype and pcov.shape == s_pcov.shape


def _cases():
    for model, build in MODELS.items():
        has_jac = build(np.random.default_rng(0)).jac is not None
        for config, spec in CONFIGS.items():
            if spec.get("jac") and not has_jac:
                continue
            yield model, config


@pytest.mark.parametrize("model, config", list(_cases()))
def test_same_results_as_scipy(model, config):
    spec = CONFIGS[config]
    for seed in SEEDS:
        case, y, sigmas = data(model, seed)
        options = {"p0": case.p0}
        if spec.get("sigma") == "scalar":
            options["sigma"] = case.noise
        elif spec.get("sigma") == "1d":
            options["sigma"] = sigmas
        if spec.get("absolute_sigma"):
            options["absolute_sigma"] = True
        if spec.get("jac"):
            options["jac"] = case.jac
        ours, theirs = both(case.f, case.xdata, y, **options)
        assert_agree(ours, theirs)


@pytest.mark.parametrize("jac", [None, decay_jac])
def test_negative_standard_deviations_as_scipy(jac):
    for seed in SEEDS:
        case, y, sigmas = data("decay", seed)
        signs = np.where(np.arange(y.size) % 3 == 0, -1.0, 1.0)
        ours, theirs = both(decay, case.xdata, y, sigma=signs * sigmas,
                            jac=jac)
        assert_agree(ours, theirs)


@pytest.mark.parametrize("options", [
    {"maxfev": 40}, {"epsfcn": 1e-10}, {"factor": 1.0},
    {"diag": [1.0, 2.0, 0.5]}, {"ftol": 1e-5, "xtol": 1e-5},
    {"col_deriv": True}], ids=lambda o: "_".join(o))
def test_leastsq_options_as_scipy(options):
    case, y, sigmas = data("decay", 3)
    ours, theirs = both(decay, case.xdata, y, **options)
    assert_agree(ours, theirs)


@pytest.mark.parametrize("xdata", ["list", "tuple"])
def test_converted_xdata_as_scipy(xdata):
    case, y, sigmas = data("decay", 5)
    x = list(case.xdata) if xdata == "list" else tuple(case.xdata)
    ours, theirs = both(decay, x, y.tolist(), sigma=sigmas.tolist())
    assert_agree(ours, theirs)


def test_failure_message_as_scipy():
    case, y, sigmas = data("gaussian_50x4", 0)
    with pytest.raises(RuntimeError) as ours:
        curve_fit(gaussian, case.xdata, y, p0=case.p0, maxfev=5)
    with pytest.raises(RuntimeError) as theirs:
        scipy_optimize.curve_fit(gaussian, case.xdata, y, p0=case.p0,
                                 maxfev=5)
    assert str(ours.value) == as_scipy_1_14_wrote_it(
        str(theirs.value))


# --- covariance sigma --------------------------------------------------------

def correlated(sigmas, rho=0.3):
    i = np.arange(sigmas.size)
    return np.outer(sigmas, sigmas) * rho ** np.abs(i[:, None] - i[None, :])


@pytest.mark.parametrize("model", ["decay", "gaussian_50x4", "peak_with_jac"])
@pytest.mark.parametrize("jac", [False, True])
@pytest.mark.parametrize("absolute", [False, True])
def test_covariance_sigma_within_1e_6_of_scipy(model, jac, absolute):
    for seed in COV_SEEDS:
        case, y, sigmas = data(model, seed)
        cov = correlated(sigmas)
        assert np.linalg.cond(cov) < 100.0  # well-conditioned, as §17 says
        ours, theirs = both(case.f, case.xdata, y, p0=case.p0, sigma=cov,
                            absolute_sigma=absolute,
                            jac=case.jac if jac else None)
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
        assert_covariance_close(ours[1], theirs[1], 1e-6)
        np.testing.assert_allclose(np.sum(ours[2]["fvec"] ** 2),
                                   np.sum(theirs[2]["fvec"] ** 2), rtol=1e-6)
        assert ours[4] in (1, 2, 3, 4) and theirs[4] in (1, 2, 3, 4)


@pytest.mark.parametrize("model", ["decay", "gaussian_50x4", "peak_with_jac"])
@pytest.mark.parametrize("jac", [False, True])
@pytest.mark.parametrize("absolute", [False, True])
def test_a_diagonal_covariance_is_the_1d_sigma(model, jac, absolute):
    for seed in COV_SEEDS:
        case, y, sigmas = data(model, seed)
        options = {"p0": case.p0, "absolute_sigma": absolute,
                   "jac": case.jac if jac else None}
        diagonal = curve_fit(case.f, case.xdata, y,
                             sigma=np.diag(sigmas ** 2), **options)
        one_d = curve_fit(case.f, case.xdata, y, sigma=sigmas, **options)
        np.testing.assert_allclose(diagonal[1], one_d[1], rtol=0,
                                   atol=1e-14)
        np.testing.assert_allclose(diagonal[0], one_d[0], rtol=1e-12)
        if FORTRAN_SCIPY:  # and so scipy 1.14's 1-D pcov, to 1e-12
            scipys = scipy_optimize.curve_fit(case.f, case.xdata, y,
                                              sigma=sigmas, **options)
            np.testing.assert_allclose(diagonal[1], scipys[1], rtol=0,
                                       atol=1e-14)


# --- the warning, and scipy's own classes ------------------------------------

def test_the_covariance_warning_has_scipys_text_and_cases():
    x, y = [1.0, 2.0], [1.0, 2.5]  # as many points as parameters
    with pytest.warns(UserWarning) as ours:
        mine = curve_fit(lambda x, a, b: a * np.asarray(x) + b, x, y)
    with pytest.warns(UserWarning) as theirs:
        scipys = scipy_optimize.curve_fit(
            lambda x, a, b: a * np.asarray(x) + b, x, y)
    assert [str(w.message) for w in ours] == \
        [str(w.message) for w in theirs]
    assert len(ours) == 1
    assert np.array_equal(mine[1], scipys[1])  # all inf
    assert mine[0].tobytes() == scipys[0].tobytes() or not FORTRAN_SCIPY


def test_our_warning_class_is_not_scipys():
    from pyminpack import OptimizeWarning
    assert OptimizeWarning is not scipy_optimize.OptimizeWarning
    assert not issubclass(OptimizeWarning, scipy_optimize.OptimizeWarning)
    assert [c.__name__ for c in OptimizeWarning.__mro__] == \
        [c.__name__ for c in scipy_optimize.OptimizeWarning.__mro__]
    # A filter on scipy's class does not catch ours (documented).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", scipy_optimize.OptimizeWarning)
        popt, pcov = curve_fit(lambda x, a, b: a * x + b,
                               np.array([1.0, 2.0]), [1.0, 2.5])
    assert np.all(pcov == np.inf)


def test_scipys_bounds_class_is_recognised():
    case, y, sigmas = data("decay", 1)
    free = scipy_optimize.Bounds(-np.inf, np.inf)
    ours, theirs = both(decay, case.xdata, y,
                        bounds=scipy_optimize.Bounds([-np.inf] * 3, np.inf))
    assert_agree(ours, theirs)
    popt, pcov = curve_fit(decay, case.xdata, y, bounds=free)
    assert popt.tobytes() == ours[0].tobytes()
    # Finite scipy Bounds are the same bounds as the pair (issue 20).
    bounded = curve_fit(decay, case.xdata, y,
                        bounds=scipy_optimize.Bounds(0, 9))
    pair = curve_fit(decay, case.xdata, y, bounds=(0, 9))
    assert bounded[0].tobytes() == pair[0].tobytes()
    assert bounded[1].tobytes() == pair[1].tobytes()
    assert not np.array_equal(bounded[0], popt)  # the bounds were used


@pytest.mark.parametrize("call", [
    dict(method="unknown"), dict(args=()),
    dict(sigma=np.ones(3)), dict(sigma=-np.eye(30)),
    dict(nan_policy="propagate"), dict(ydata=[]),
    dict(p0=[1.0, 1.0, 1.0, 1.0], ydata=[1.0, 2.0, 3.0],
         xdata=np.arange(3.0)),
    dict(maxfev=3)], ids=["method", "args", "sigma_shape", "sigma_pd",
                          "propagate", "empty", "n_gt_m", "maxfev"])
def test_error_messages_are_scipys(call):
    case, y, sigmas = data("decay", 2)
    arguments = dict(xdata=case.xdata, ydata=y)
    arguments.update(call)
    with pytest.raises(Exception) as mine:
        curve_fit(decay if "p0" not in call else
                  (lambda x, a, b, c, d: a + b + c + d + x), **arguments)
    with pytest.raises(Exception) as scipys:
        scipy_optimize.curve_fit(decay if "p0" not in call else
                                 (lambda x, a, b, c, d: a + b + c + d + x),
                                 **arguments)
    assert type(mine.value) is type(scipys.value)
    assert str(mine.value) == str(scipys.value)
