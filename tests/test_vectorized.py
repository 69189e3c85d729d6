"""leastsq_batch(vectorized=True): each fit its own MINPACK (on a fiber of
its own), one call of a numpy func for all the fits waiting.  Fit k must
give the bits of leastsq on fit k with the 1-D version of the model."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from pyminpack import leastsq, leastsq_batch
from pyminpack._batch import _VECTORIZED_SLOTS as SLOTS

M = 40
T = np.linspace(0.0, 4.0, M)
X0 = np.array([1.0, 1.0, 0.0])


def curves(count, seed=0, hard_every=0):
    """Decay curves; every `hard_every`-th one far from x0 (many iterations)."""
    rng = np.random.default_rng(seed)
    a = 1.5 + rng.random((count, 1))
    b = 0.5 + rng.random((count, 1))
    if hard_every:
        a[::hard_every] *= 40.0
        b[::hard_every] *= 6.0
    return a * np.exp(-b * T) + 0.3 + 0.01 * rng.standard_normal((count, M))


Y = curves(300, hard_every=7)


# The hard fits' trial steps overflow exp: as leastsq, MINPACK copes.
@np.errstate(over="ignore", invalid="ignore")
def model(X, y):
    return X[:, 0:1] * np.exp(-X[:, 1:2] * T) + X[:, 2:3] - y


@np.errstate(over="ignore", invalid="ignore")
def model_jac(X, y):
    e = np.exp(-X[:, 1:2] * T)
    return np.stack([e, -X[:, 0:1] * T * e, np.ones_like(e)], axis=2)


def one(x, y):
    return model(x[None], y[None])[0]


def one_jac(x, y):
    return model_jac(x[None], y[None])[0]


def test_numpy_exp_is_the_same_on_a_block_and_row_by_row():
    # The bit-identity below rests on this; a numpy that broke it would be
    # caught here first.
    rng = np.random.default_rng(9)
    block = -rng.random((257, M)) * 7.0
    rows = np.array([np.exp(row) for row in block])
    np.testing.assert_array_equal(np.exp(block), rows)


def assert_fit_is_leastsq(result, k, expected, jac=False):
    x, cov_x, info, mesg, ier = expected
    assert result.ier[k] == ier, k
    np.testing.assert_array_equal(result.x[k], x)
    assert result.nfev[k] == info["nfev"]
    if jac:
        assert result.njev[k] == info["njev"]
    if cov_x is None:
        assert np.isnan(result.cov_x[k]).all()
    else:
        np.testing.assert_array_equal(result.cov_x[k], cov_x)
    if result.fvec is not None:
        for key in ("fvec", "fjac", "ipvt", "qtf"):
            np.testing.assert_array_equal(getattr(result, key)[k], info[key])
    assert result.message(k) == mesg


@pytest.mark.parametrize("jac, col_deriv", [(False, False), (True, False),
                                            (True, True)])
def test_fit_k_is_leastsq_on_fit_k(jac, col_deriv):
    dfun = None
    one_dfun = None
    if jac:
        dfun = (lambda X, y: np.ascontiguousarray(
            model_jac(X, y).transpose(0, 2, 1))) if col_deriv else model_jac
        one_dfun = (lambda x, y: one_jac(x, y).T.copy()) if col_deriv \
            else one_jac
    result = leastsq_batch(model, X0, Dfun=dfun, data=Y, vectorized=True,
                           col_deriv=col_deriv, full_output=True)
    nfev = []
    for k in range(len(Y)):
        expected = leastsq(one, X0, args=(Y[k],), Dfun=one_dfun,
                           full_output=True, col_deriv=col_deriv)
        assert_fit_is_leastsq(result, k, expected, jac=jac)
        nfev.append(expected[2]["nfev"])
    # The fits really took very different numbers of evaluations.
    assert max(nfev) > 3 * min(nfev)


def test_fits_that_stop_at_maxfev_and_meet_nan():
    def guarded(X, y):
        # NaN where a trial step makes b negative: MINPACK backs off.
        with np.errstate(invalid="ignore"):
            return X[:, 0:1] * np.exp(-np.sqrt(X[:, 1:2]) ** 2 * T) \
                + X[:, 2:3] - y
    result = leastsq_batch(guarded, X0, data=Y, vectorized=True, maxfev=30)
    assert (result.ier == 5).any() and result.success.any()
    for k in range(0, len(Y), 3):
        with np.errstate(invalid="ignore"), \
                pytest.warns(RuntimeWarning) if result.ier[k] == 5 else \
                _nothing():
            x, ier = leastsq(lambda x, y: guarded(x[None], y[None])[0], X0,
                             args=(Y[k],), maxfev=30)
        np.testing.assert_array_equal(result.x[k], x)
        assert result.ier[k] == ier


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_func_sees_fewer_rows_as_fits_finish():
    rows = []

    def recording(X, y):
        assert X.shape[0] == y.shape[0]
        rows.append(X.shape[0])
        return model(X, y)
    y = curves(3000, seed=3, hard_every=5)
    result = leastsq_batch(recording, X0, data=y, vectorized=True)
    assert max(rows) == SLOTS         # the bound on fits in flight
    assert min(rows) < SLOTS and rows[-1] < rows[len(rows) // 2]
    # About the largest nfev per wave of fits, far below their sum.
    assert len(rows) < result.nfev.sum() / 100
    assert len(rows) >= result.nfev.max()


def test_shared_args_and_several_data_arrays():
    scale = np.linspace(1.0, 2.0, len(Y))

    def scaled(X, factor, y, s):
        assert s.shape == (X.shape[0],)
        return factor * s[:, None] * model(X, y)
    result = leastsq_batch(scaled, X0, args=(3.0,), data=(Y, scale),
                           vectorized=True)
    for k in range(0, len(Y), 29):
        x, ier = leastsq(lambda x, y, s: scaled(x[None], 3.0, y[None],
                                                 np.array([s]))[0],
                         X0, args=(Y[k], scale[k]))
        np.testing.assert_array_equal(result.x[k], x)


def test_zero_and_one_fit():
    empty = leastsq_batch(model, np.empty((0, 3)), data=Y[:0],
                          vectorized=True)
    assert len(empty) == 0 and empty.x.shape == (0, 3)
    single = leastsq_batch(model, X0, data=Y[:1], vectorized=True)
    np.testing.assert_array_equal(single.x[0],
                                  leastsq(one, X0, args=(Y[0],))[0])


def test_float32_output_sets_epsfcn_as_leastsq_does():
    def model32(X, y):
        return model(X, y).astype(np.float32)
    y = curves(20, seed=4)
    result = leastsq_batch(model32, X0, data=y, vectorized=True)
    for k in range(20):
        x, ier = leastsq(lambda x, y: model32(x[None], y[None])[0], X0,
                         args=(y[k],))
        np.testing.assert_array_equal(result.x[k], x)


# --- progress ---------------------------------------------------------------------

def test_progress_rises_during_the_batch_and_ends_once():
    # Half the fits are hard (many more evaluations).  Once the easy ones
    # have left, func sleeps past the reporting period (0.05 s) twice, so
    # the round's report must come while the hard fits still run.
    y = curves(40, seed=12, hard_every=2)
    count = len(y)
    reports = []
    slept = [0]

    def slow_once_some_left(X, y):
        if X.shape[0] < count and slept[0] < 2:
            slept[0] += 1
            time.sleep(0.06)
        return model(X, y)
    result = leastsq_batch(slow_once_some_left, X0, data=y, vectorized=True,
                           progress=lambda done, total:
                           reports.append((done, total)))
    assert slept[0] == 2 and result.nfev.max() > 2 * result.nfev.min()
    assert all(total == count for _, total in reports)
    done = [d for d, _ in reports]
    assert done == sorted(done)                       # never decreasing
    assert any(0 < d < count for d in done)           # during the run
    assert reports[-1] == (count, count)
    assert reports.count((count, count)) == 1         # the end, once


# --- promises: the GIL, guard pages, diag -------------------------------------

def test_minpack_runs_without_the_gil():
    # A linear problem whose QR factorisations are the long part: between
    # two calls of func only the engine runs (no Python, no numpy), so a
    # tick between them means the GIL was free while MINPACK worked.
    from gil_ticker import Ticker
    rng = np.random.default_rng(13)
    m, n, count = 1500, 24, 16
    a = rng.normal(size=(m, n))
    starts = rng.normal(size=(count, n)) * 10.0
    readings = []                # (count at entry, count at exit) per call

    def linear(X):
        entry = ticker.count
        value = X @ a.T - 1.0
        readings.append((entry, ticker.count))
        return value

    def jacobian(X):
        entry = ticker.count
        value = np.broadcast_to(a, (X.shape[0], m, n))
        readings.append((entry, ticker.count))
        return value
    with Ticker() as ticker:
        result = leastsq_batch(linear, starts, Dfun=jacobian,
                               vectorized=True)
    assert result.success.all()
    # readings[0] is the first round (called from Python, before the
    # engine).
    between = [after[0] - before[1]
               for before, after in zip(readings[1:], readings[2:])]
    assert len(between) >= 3
    assert sum(between) >= 3, between


def fiber_guard_pages():
    """Anonymous mappings that are one inaccessible page directly below a
    read-write one: a stack with its guard page."""
    import mmap
    page = mmap.PAGESIZE
    regions = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            low, high = (int(v, 16) for v in fields[0].split("-"))
            regions.append((low, high, fields[1], len(fields) > 5))
    return sum(1 for below, above in zip(regions, regions[1:])
               if below[2] == "---p" and below[1] - below[0] == page
               and not below[3] and below[1] == above[0]
               and above[2] == "rw-p")


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"),
                    reason="reads the mappings from /proc/self/maps")
def test_every_fiber_stack_has_a_guard_page_below_it():
    before = fiber_guard_pages()
    during = []

    def counting(X, y):
        during.append(fiber_guard_pages())
        return model(X, y)
    y = curves(50, seed=14)
    leastsq_batch(counting, X0, data=y, vectorized=True)
    # One fiber per fit in flight: 50 (the first round's call, from
    # Python, came before them).
    assert max(during[1:]) - before >= 50
    assert fiber_guard_pages() - before < 50       # unmapped afterwards


def test_per_fit_diag_is_honoured():
    # A small step bound (factor) from far away: the scaling decides the
    # path, so each fit must be leastsq with its own diag.
    y = curves(30, seed=15, hard_every=3)
    rng = np.random.default_rng(15)
    diags = np.exp(rng.normal(size=(30, 3)) * 1.5)
    start = np.array([20.0, 3.0, -2.0])
    options = dict(factor=0.1, maxfev=400)
    result = leastsq_batch(model, start, data=y, vectorized=True,
                           diag=diags, **options)
    differs = 0
    for k in range(len(y)):
        x, ier = leastsq(one, start, args=(y[k],), diag=diags[k], **options)
        np.testing.assert_array_equal(result.x[k], x)
        assert result.ier[k] == ier
        plain, _ = leastsq(one, start, args=(y[k],), **options)
        differs += plain.tobytes() != x.tobytes()
    assert differs == len(y)


# --- errors ---------------------------------------------------------------------

def test_exception_at_the_first_call():
    def failing(X, y):
        raise ZeroDivisionError("at once")
    with pytest.raises(ZeroDivisionError, match="at once"):
        leastsq_batch(failing, X0, data=Y, vectorized=True)


@pytest.mark.parametrize("when", [1, 2, 9])
def test_exception_mid_batch_names_the_fits(when):
    calls = [0]

    def failing(X, y):
        calls[0] += 1
        if calls[0] == when:  # 1: the first round's call, made in Python
            raise ZeroDivisionError("mid-batch")
        return model(X, y)
    with pytest.raises(ZeroDivisionError, match="mid-batch") as caught:
        leastsq_batch(failing, X0, data=Y, vectorized=True)
    assert any(note.startswith("in leastsq_batch(vectorized=True), "
                               f"evaluating {SLOTS} fits: [0, 1, 2, 3, 4, "
                               f"5, 6, 7, 8, 9] and more")
               for note in caught.value.__notes__)


def test_exception_from_one_row():
    bad = Y[17, 0]

    def failing(X, y):
        if (y[:, 0] == bad).any() and X.shape[0] > 1:
            raise ValueError("row 17")
        return model(X, y)
    with pytest.raises(ValueError, match="row 17") as caught:
        leastsq_batch(failing, X0, data=Y, vectorized=True)
    assert f"evaluating {SLOTS} fits: [0, 1," in caught.value.__notes__[-1]


@pytest.mark.parametrize("shape, pattern", [
    (lambda k: (k, M + 1), r"func returned an array of shape \(\d+, 41\) for "
                           r"\d+ fits; it must be \(\d+, 40\)"),
    (lambda k: (k + 1, M), r"for \d+ fits"),
    (lambda k: (k * M,), r"func returned an array of shape"),
])
def test_wrong_output_shape_mid_batch(shape, pattern):
    calls = [0]

    def wrong(X, y):
        calls[0] += 1
        if calls[0] < 3:
            return model(X, y)
        return np.zeros(shape(X.shape[0]))
    with pytest.raises(ValueError, match=pattern):
        leastsq_batch(wrong, X0, data=Y, vectorized=True)


def test_wrong_jacobian_shape_and_first_call_shape():
    with pytest.raises(ValueError, match=r"Dfun returned an array of shape "
                       r"\(\d+, 3, 40\) for \d+ fits; it must be "
                       r"\(\d+, 40, 3\)"):
        leastsq_batch(model, X0, data=Y, vectorized=True,
                      Dfun=lambda X, y: model_jac(X, y).transpose(0, 2, 1))
    with pytest.raises(ValueError, match=r"must return an array of shape "
                       rf"\(k, m\) for k fits; for {SLOTS} fits it returned "
                       r"shape \(40,\)"):
        leastsq_batch(lambda X, y: model(X, y)[0], X0, data=Y,
                      vectorized=True)
    with pytest.raises(TypeError, match=r"must return real numbers"):
        calls = [0]

        def complex_later(X, y):
            calls[0] += 1
            return model(X, y) + (0j if calls[0] > 2 else 0)
        leastsq_batch(complex_later, X0, data=Y, vectorized=True)


class Counting:
    """A vectorized function that counts the rows it evaluates."""

    def __init__(self, function):
        self.function = function
        self.rows = 0
        self.calls = 0

    def __call__(self, X, *rest):
        self.calls += 1
        self.rows += X.shape[0]
        return self.function(X, *rest)


@pytest.mark.parametrize("jacobian", [False, True])
def test_func_evaluates_only_what_the_fits_ask(jacobian):
    # No probe call: every row func or Dfun evaluates is one of a fit's
    # own evaluations (MINPACK's nfev and njev count them all).
    func, Dfun = Counting(model), Counting(model_jac) if jacobian else None
    y = curves(3 * SLOTS + 5, seed=10, hard_every=4)
    result = leastsq_batch(func, X0, Dfun=Dfun, data=y, vectorized=True)
    assert func.rows == result.nfev.sum()
    if jacobian:
        assert Dfun.rows == result.njev.sum()


def test_fits_minpack_refuses_are_not_evaluated():
    # A 0 in the diag of fits 0, 5 and SLOTS + 1: MINPACK refuses them
    # before evaluating, so the first round asks the next fits instead
    # (the Python side chooses them as the scheduler does).
    y = curves(2 * SLOTS, seed=11)
    diag = np.ones((len(y), 3))
    diag[[0, 5, SLOTS + 1], 1] = 0.0
    func = Counting(model)
    result = leastsq_batch(func, X0, data=y, diag=diag, vectorized=True)
    assert func.rows == result.nfev.sum()
    assert (result.ier[[0, 5, SLOTS + 1]] == 0).all()
    assert result.success[[1, SLOTS, SLOTS + 2]].all()
    # Every fit refused: one call on fit 0 gives m, as none asks for one.
    func = Counting(model)
    refused = leastsq_batch(func, X0, data=y[:4], diag=np.zeros(3),
                            vectorized=True, full_output=True)
    assert func.calls == 1 and func.rows == 1
    assert (refused.ier == 0).all() and refused.fvec.shape == (4, M)
    func = Counting(model)
    leastsq_batch(func, X0, data=y[:4], diag=np.zeros(3), vectorized=True,
                  m=M)
    assert func.calls == 0


def test_non_finite_start_residuals_name_the_first_fit():
    y = Y.copy()
    y[11, 3] = np.nan
    with pytest.raises(ValueError, match=r"entry 3 of fit 11 is not"):
        leastsq_batch(model, X0, data=y, vectorized=True)
    result = leastsq_batch(model, X0, data=y, vectorized=True,
                           check_finite=False)
    assert not result.success[11] and result.success[10]


def test_failed_batches_leave_no_memory_behind():
    # Each batch maps SLOTS fiber stacks and allocates their work space;
    # after a failure, with fits suspended, all of it must be released:
    # the mappings (counted in /proc/self/maps) and the raw allocations
    # (which tracemalloc traces).
    import tracemalloc

    def failing_late(X, y, calls=[0]):  # noqa: B006 - a counter on purpose
        calls[0] += 1
        if calls[0] % 6 == 0:
            raise RuntimeError("late")
        return model(X, y)

    def mappings():
        with open("/proc/self/maps") as maps:
            return sum(1 for _ in maps)
    y = curves(2000, seed=5)
    for _ in range(3):  # warm up
        with pytest.raises(RuntimeError):
            leastsq_batch(failing_late, X0, data=y, vectorized=True)
    tracemalloc.start()
    try:
        before_maps = mappings()
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(20):
            with pytest.raises(RuntimeError):
                leastsq_batch(failing_late, X0, data=y, vectorized=True)
        after, _ = tracemalloc.get_traced_memory()
        after_maps = mappings()
    finally:
        tracemalloc.stop()
    # Not 20 x SLOTS stacks, nor one batch's SLOTS (a stack and its guard
    # page are two lines); AddressSanitizer maps a few dozen regions of its
    # own over 20 batches.
    assert after_maps - before_maps < SLOTS
    assert after - before < 1_000_000           # not 20 x SLOTS slots


# --- Ctrl-C, nesting, threads -------------------------------------------------------

@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are delivered to the main thread")
def test_ctrl_c_stops_a_vectorized_batch(ctrl_c_raises):
    def slow(X, y):
        time.sleep(0.01)
        return model(X, y)
    y = curves(20_000, seed=6)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            leastsq_batch(slow, X0, data=y, vectorized=True)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 5.0


def test_leastsq_and_a_batch_inside_a_vectorized_func():
    inner = []

    def nesting(X, y):
        inner.append(leastsq(one, X0, args=(Y[0],))[0])
        nested = leastsq_batch(model, X0, data=Y[:5], vectorized=True)
        inner.append(nested.x[4])
        return model(X, y)
    result = leastsq_batch(nesting, X0, data=Y[:50], vectorized=True)
    alone = leastsq_batch(model, X0, data=Y[:50], vectorized=True)
    np.testing.assert_array_equal(result.x, alone.x)
    np.testing.assert_array_equal(inner[0], leastsq(one, X0,
                                                    args=(Y[0],))[0])
    np.testing.assert_array_equal(inner[1], alone.x[4])


def test_two_batches_in_two_threads():
    y = curves(2000, seed=8, hard_every=3)
    alone = leastsq_batch(model, X0, data=y, vectorized=True)
    results = [None, None]

    def run(k):
        results[k] = leastsq_batch(model, X0, data=y, vectorized=True)
    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        np.testing.assert_array_equal(result.x, alone.x)
        np.testing.assert_array_equal(result.nfev, alone.nfev)


def test_bad_vectorized_input():
    from compiled_problems import decay
    with pytest.raises(TypeError, match="not compiled callables"):
        leastsq_batch(decay, X0, data=Y, vectorized=True, m=M)
    with pytest.raises(ValueError, match="runs in the calling thread"):
        leastsq_batch(model, X0, data=Y, vectorized=True, threads=2)
    with pytest.raises(ValueError, match=r"m=3 but func returned 40"):
        leastsq_batch(model, X0, data=Y, vectorized=True, m=3)


def test_check_finite_sees_the_last_residual_at_x0():
    # The scan of f(x0) covers every residual, the last one too.
    y = Y[:20].copy()
    y[7, M - 1] = np.inf
    with pytest.raises(ValueError, match=rf"entry {M - 1} of fit 7 is not"):
        leastsq_batch(model, X0, data=y, vectorized=True)


def test_fits_that_end_before_any_evaluation_report_the_end_once():
    # A zero in every fit's diag: MINPACK refuses each fit (ier 0) before
    # asking for f(x0), so every fit has left in the first round, whose
    # report would be the batch's first: the end is still reported once.
    y = Y[:5]
    reports = []
    result = leastsq_batch(model, X0, data=y, vectorized=True,
                           diag=np.zeros((5, 3)),
                           progress=lambda done, total:
                           reports.append((done, total)))
    assert (result.ier == 0).all()
    assert reports == [(5, 5)]


def test_a_jacobian_for_fewer_fits_than_asked_is_refused():
    # One fit's Jacobian for every call: its rows would run out after the
    # first fit, so the number of fits is checked as well as m and n.
    y = Y[:4]
    with pytest.raises(ValueError, match=r"Dfun returned an array of shape "
                       r"\(1, 40, 3\) for 4 fits; it must be \(4, 40, 3\)"):
        leastsq_batch(model, X0, data=y, vectorized=True,
                      Dfun=lambda X, y: model_jac(X[:1], y[:1]))

