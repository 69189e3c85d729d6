"""fsolve_batch and fsolve with compiled callbacks: system k of a batch is
fsolve on system k alone, to the bit, for every kind and thread count."""

import math
import warnings

import numpy as np
import pytest

from pyminpack import BatchResult, fsolve, fsolve_batch

numba = pytest.importorskip("numba")
from numba import carray, cfunc, types  # noqa: E402

DOUBLE_P = types.CPointer(types.double)
RESIDUAL_SIG = types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P,
                          DOUBLE_P)
JACOBIAN_SIG = types.intc(types.intc, types.intc, DOUBLE_P, DOUBLE_P,
                          types.intc, DOUBLE_P)


# x0 cos(x1) = a, x1 x0 - x1 = b: scipy's fsolve example, a and b per
# system in user_data (a row [a, b, stop_at]); stop_at > 0 makes func
# return 7 at that call, counted in the row's fourth entry.
@cfunc(RESIDUAL_SIG)
def equations(m, n, xp, fp, up):
    x = carray(xp, (n,))
    f = carray(fp, (n,))
    d = carray(up, (4,))
    d[3] += 1.0
    if d[2] > 0.0 and d[3] >= d[2]:
        return 7
    f[0] = x[0] * math.cos(x[1]) - d[0]
    f[1] = x[1] * x[0] - x[1] - d[1]
    return 0


@cfunc(JACOBIAN_SIG)
def equations_jac(m, n, xp, jp, ld, up):
    x = carray(xp, (n,))
    jac = carray(jp, (ld * n,))
    jac[0] = math.cos(x[1])
    jac[1] = x[1]
    jac[ld] = -x[0] * math.sin(x[1])
    jac[ld + 1] = x[0] - 1.0
    return 0


def equations_py(x, row):
    return np.array([x[0] * math.cos(x[1]) - row[0],
                     x[1] * x[0] - x[1] - row[1]])


def equations_jac_py(x, row):
    return np.array([[math.cos(x[1]), -x[0] * math.sin(x[1])],
                     [x[1], x[0] - 1.0]])


def rows(count, seed=0):
    rng = np.random.default_rng(seed)
    data = np.zeros((count, 4))
    data[:, 0] = 3.0 + rng.random(count)
    data[:, 1] = 4.0 + rng.random(count)
    return data


def starts(count, seed=1):
    return 1.0 + np.random.default_rng(seed).random((count, 2))


def one_by_one(x0, data, fprime=None, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return [fsolve(equations_py, x0[k], args=(data[k],),
                       fprime=fprime, full_output=True, **options)
                for k in range(len(data))]


def assert_same(batch, singles, with_jacobian):
    for k, (x, info, ier, mesg) in enumerate(singles):
        assert batch.x[k].tobytes() == x.tobytes(), k
        assert (batch.ier[k], batch.nfev[k]) == (ier, info["nfev"]), k
        if with_jacobian:
            assert batch.njev[k] == info["njev"]
        for key in ("fvec", "fjac", "r", "qtf"):
            assert getattr(batch, key)[k].tobytes() == info[key].tobytes()
        assert batch.message(k) == mesg
        assert batch.fnorm[k] == np.sqrt(np.sum(info["fvec"] ** 2)) or \
            abs(batch.fnorm[k] - np.linalg.norm(info["fvec"])) < 1e-15


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("with_jacobian", [False, True],
                         ids=["hybrd", "hybrj"])
def test_compiled_batch_is_fsolve_on_each_system(threads, with_jacobian):
    data, x0 = rows(40), starts(40)
    batch = fsolve_batch(equations, x0, data=data.copy(),
                         fprime=equations_jac if with_jacobian else None,
                         threads=threads, full_output=True)
    singles = one_by_one(x0, data,
                         equations_jac_py if with_jacobian else None)
    assert isinstance(batch, BatchResult) and batch.solver == "fsolve"
    assert batch.cov_x is None and batch.ipvt is None
    assert (batch.njev is None) != with_jacobian
    assert_same(batch, singles, with_jacobian)
    assert batch.success.all()
    assert repr(batch) == "<BatchResult: 40 systems of 2 unknowns, 40 solved>"


@pytest.mark.parametrize("options", [{"band": (0, 0)}, {"xtol": 1e-3},
                                     {"maxfev": 5}, {"factor": 1.0},
                                     {"diag": [2.0, 0.5]}])
def test_compiled_batch_options_are_fsolves(options):
    data, x0 = rows(6), starts(6)
    batch = fsolve_batch(equations, x0, data=data.copy(), threads=2,
                         full_output=True, **options)
    assert_same(batch, one_by_one(x0, data, **options), False)


def test_plain_python_batch_is_fsolve_on_each_system():
    data, x0 = rows(5), starts(5)
    batch = fsolve_batch(equations_py, x0, data=data, full_output=True,
                         fprime=equations_jac_py)
    assert_same(batch, one_by_one(x0, data, equations_jac_py), True)


@pytest.mark.parametrize("with_jacobian", [False, True])
def test_fsolve_with_compiled_callbacks_is_the_python_solve(with_jacobian):
    row = rows(1)[0]
    x, info, ier, mesg = fsolve(
        equations, [1.0, 1.0], args=(row.copy(),), full_output=True,
        fprime=equations_jac if with_jacobian else None)
    px, pinfo, pier, pmesg = fsolve(
        equations_py, [1.0, 1.0], args=(row,), full_output=True,
        fprime=equations_jac_py if with_jacobian else None)
    assert x.tobytes() == px.tobytes() and (ier, mesg) == (pier, pmesg)
    assert list(info) == list(pinfo)
    for key in pinfo:
        assert np.asarray(info[key]).tobytes() == \
            np.asarray(pinfo[key]).tobytes(), key


def test_a_stop_inside_the_differences_returns_the_iterate():
    """func returns 7 at its 2nd call, the first difference: hybrd would
    return x with x[0] moved; the stop is deferred to the next trial."""
    row = rows(1)[0]
    row[2] = 2.0
    x0 = np.array([1.0, 1.0])
    x, info, ier, mesg = fsolve(equations, x0, args=(row,),
                                full_output=True)
    assert (ier, info["nfev"]) == (-1, 2)  # x0, and the call that said 7
    assert x.tobytes() == x0.tobytes()
    assert mesg == ("func returned 7 (not 0): the solve stopped at its "
                    "last iterate.")
    with pytest.warns(RuntimeWarning, match="func returned 7"):
        row[3] = 0.0
        fsolve(equations, x0, args=(row,))


def test_a_stop_in_one_system_does_not_stop_the_others():
    data, x0 = rows(8), starts(8)
    data[3, 2] = 5.0
    batch = fsolve_batch(equations, x0, data=data, threads=2)
    assert batch.ier[3] == -1 and batch.status[3] == 7
    assert (np.delete(batch.ier, 3) == 1).all()
    assert not batch.success[3]


def test_nonfinite_values_at_x0_name_the_system():
    data, x0 = rows(4), starts(4)
    data[2, 0] = np.nan
    with pytest.raises(ValueError, match=r"^fsolve_batch: func\(x0\) must "
                                         r"be finite, but entry 0 of "
                                         r"system 2"):
        fsolve_batch(equations, x0, data=data)


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"vectorized": True}, TypeError, r"^fsolve_batch: vectorized=True"),
    ({"fprime": equations_jac_py}, TypeError,
     r"^fsolve_batch: func and fprime must both be"),
    ({"x0": starts(3)}, ValueError, r"^fsolve_batch: data\[0\] has shape"),
    ({"diag": [1.0]}, ValueError, r"^fsolve_batch: diag must have shape"),
    ({"band": (1,)}, ValueError, r"^fsolve_batch: band must be a sequence"),
    ({"args": (1,)}, TypeError, r"^fsolve_batch: a compiled func gets one"),
])
def test_bad_batches_are_clear_errors(kwargs, error, pattern):
    call = {"x0": starts(4), "data": rows(4), **kwargs}
    with pytest.raises(error, match=pattern):
        fsolve_batch(equations, call.pop("x0"), **call)


def test_an_empty_batch():
    batch = fsolve_batch(equations, np.zeros((0, 2)), data=np.zeros((0, 4)))
    assert len(batch) == 0 and batch.x.shape == (0, 2)


@pytest.mark.parametrize("threads", [1, 2])
def test_progress_is_reported_and_its_exception_propagates(threads):
    data, x0 = rows(2000), starts(2000)
    seen = []
    fsolve_batch(equations, x0, data=data, threads=threads,
                 progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (2000, 2000)

    class Stop(Exception):
        pass

    def stop(done, total):
        raise Stop(done)
    with pytest.raises(Stop):
        fsolve_batch(equations, x0, data=data, threads=threads,
                     progress=stop)


# --- vectorized=True ---------------------------------------------------------

def vectorized_equations(X, rows):
    return np.column_stack([X[:, 0] * np.cos(X[:, 1]) - rows[:, 0],
                            X[:, 1] * X[:, 0] - X[:, 1] - rows[:, 1]])


def vectorized_jacobian(X, rows):
    jac = np.empty((X.shape[0], 2, 2))
    jac[:, 0, 0] = np.cos(X[:, 1])
    jac[:, 0, 1] = -X[:, 0] * np.sin(X[:, 1])
    jac[:, 1, 0] = X[:, 1]
    jac[:, 1, 1] = X[:, 0] - 1.0
    return jac


def alone(vectorized):
    """The vectorized function on one system, for fsolve."""
    def function(x, row):
        return vectorized(x[None, :], row[None, :])[0]
    return function


@pytest.mark.parametrize("with_jacobian", [False, True],
                         ids=["hybrd", "hybrj"])
def test_vectorized_batch_is_fsolve_on_each_system(with_jacobian):
    data, x0 = rows(300), starts(300)
    batch = fsolve_batch(
        vectorized_equations, x0, data=data, vectorized=True,
        fprime=vectorized_jacobian if with_jacobian else None,
        full_output=True)
    assert batch.solver == "fsolve" and batch.cov_x is None
    for k in range(300):
        x, info, ier, mesg = fsolve(
            alone(vectorized_equations), x0[k], args=(data[k],),
            fprime=alone(vectorized_jacobian) if with_jacobian else None,
            full_output=True)
        assert batch.x[k].tobytes() == x.tobytes(), k
        assert (batch.ier[k], batch.nfev[k]) == (ier, info["nfev"]), k
        for key in ("fvec", "fjac", "r", "qtf"):
            assert getattr(batch, key)[k].tobytes() == info[key].tobytes()
        assert batch.message(k) == mesg


@pytest.mark.parametrize("with_jacobian", [False, True],
                         ids=["hybrd", "hybrj"])
def test_vectorized_func_evaluates_only_what_the_systems_ask(with_jacobian):
    # No probe call: every row func or fprime evaluates is one of a
    # system's own evaluations (hybrd's nfev and hybrj's njev count them
    # all), fits MINPACK refuses (a 0 in diag) included.
    rows_seen = {"func": 0, "fprime": 0}

    def counting(name, function):
        def counted(X, rows):
            rows_seen[name] += X.shape[0]
            return function(X, rows)
        return counted
    diag = np.ones((300, 2))
    diag[[0, 200], 1] = 0.0
    batch = fsolve_batch(
        counting("func", vectorized_equations), starts(300), data=rows(300),
        vectorized=True, diag=diag,
        fprime=(counting("fprime", vectorized_jacobian) if with_jacobian
                else None))
    assert (batch.ier[[0, 200]] == 0).all() and batch.ier[1] == 1
    assert rows_seen["func"] == batch.nfev.sum()
    if with_jacobian:
        assert rows_seen["fprime"] == batch.njev.sum()


def test_vectorized_with_band_and_maxfev_is_fsolve():
    data, x0 = rows(50), starts(50)
    for options in ({"band": (0, 0)}, {"maxfev": 5}):
        batch = fsolve_batch(vectorized_equations, x0, data=data,
                             vectorized=True, **options)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            singles = [fsolve(alone(vectorized_equations), x0[k],
                              args=(data[k],), **options)
                       for k in range(50)]
        assert batch.x.tobytes() == np.array(singles).tobytes()


def test_vectorized_wrong_shape_names_fsolve_batch():
    def bad(X, rows):
        return np.zeros((X.shape[0], 3))
    with pytest.raises(ValueError, match=r"^fsolve_batch: a vectorized func "
                                         r"must return an array of shape"):
        fsolve_batch(bad, starts(4), data=rows(4), vectorized=True)

    calls = []

    def later(X, rows):
        calls.append(1)
        return vectorized_equations(X, rows) if len(calls) < 3 else \
            np.zeros((X.shape[0], 3))
    with pytest.raises(ValueError, match=r"^fsolve_batch: func returned an "
                                         r"array of shape"):
        fsolve_batch(later, starts(4), data=rows(4), vectorized=True)
