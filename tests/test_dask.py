"""pyminpack.dask on a real 2-process LocalCluster (loopback): bitwise the
local batch for any chunking, work done in the worker processes, functions
and recipes that travel, shared inputs sent once, lazy graphs that call
nothing, and failures reported with the fits' numbers."""

import math
import os
import re
import subprocess
import sys

import dask
import dask.array as da
import distributed
import numpy as np
import pytest
from numba import carray

import pyminpack
import pyminpack.dask as pmd
from pyminpack.dask._chunks import (CHUNKS_PER_THREAD, MAX_CHUNK_BYTES,
                                    MIN_FITS, auto_fits_per_chunk)
from pyminpack.compiled import from_numba

M = 30
T = np.linspace(0.0, 4.0, M)
X0 = np.array([1.0, 1.0, 0.0])


def decay_rows(count, seed):
    """Row k: t, then fit k's noisy a*exp(-b*t) + c."""
    rng = np.random.default_rng(seed)
    rows = np.empty((count, 2 * M))
    rows[:, :M] = T
    a = 1.5 + rng.random((count, 1))
    b = 0.5 + rng.random((count, 1))
    rows[:, M:] = (a * np.exp(-b * T) + rng.random((count, 1))
                   + 0.01 * rng.standard_normal((count, M)))
    return rows


ROWS = decay_rows(600, seed=7)


# compiled_problems.decay_residuals and decay_jacobian again, on purpose:
# the workers import the module of a function they unpickle, and importing
# compiled_problems would compile its every @cfunc in each worker.
def decay_residuals(m, n, xp, fp, up):
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    d = carray(up, (2 * m,))
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
    return 0


def decay_jacobian(m, n, xp, jp, ld, up):
    x = carray(xp, (n,))
    jac = carray(jp, (ld * n,))
    d = carray(up, (2 * m,))
    for i in range(m):
        e = math.exp(-x[1] * d[i])
        jac[i] = e
        jac[i + ld] = -x[0] * d[i] * e
        jac[i + 2 * ld] = 1.0
    return 0


RESIDUAL_SIGNATURE = ("intc(intc, intc, CPointer(float64), CPointer(float64), "
                      "CPointer(float64))")

# One recipe of each for most tests, so each worker compiles them once.
RESIDUALS = from_numba(decay_residuals)
JACOBIAN = from_numba(decay_jacobian)


def vectorized_model(X, y):
    return X[:, 0:1] * np.exp(-X[:, 1:2] * T) + X[:, 2:3] - y


def vectorized_jacobian(X, y):
    e = np.exp(-X[:, 1:2] * T)
    return np.stack([e, -X[:, 0:1] * T * e, np.ones_like(e)], axis=-1)


# Calls of plain_model in this process, by pid: on a worker, that
# worker's own copy of this module counts.
CALLS = {}


def plain_model(x, y):
    CALLS[os.getpid()] = CALLS.get(os.getpid(), 0) + 1
    return x[0] * np.exp(-x[1] * T) + x[2] - y


def calls_here():
    return dict(CALLS)


# Unpickling events of SharedPayload objects, by name, in this process.
UNPICKLED = {}


class SharedPayload:
    """Shared args that count how often a process unpickles them."""

    def __init__(self, name, values):
        self.name = name
        self.values = values

    def __reduce__(self):
        return (_unpickle_payload, (self.name, self.values))


def _unpickle_payload(name, values):
    UNPICKLED[name] = UNPICKLED.get(name, 0) + 1
    return SharedPayload(name, values)


def unpickled_here(name):
    return UNPICKLED.get(name, 0)


def model_with_payload(x, payload, y):  # args come before data rows
    return x[0] * np.exp(-x[1] * payload.values) + x[2] - y


# One cluster for the session.  Its threads (the scheduler's event loop,
# the heartbeats) allocate as they go, which test_leaks.py's memory counts
# would see: conftest.py runs the Dask tests last.
@pytest.fixture(scope="session")
def cluster():
    # Without a dashboard the scheduler still serves its HTTP routes
    # (health, metrics), on port 8787 by default: with another cluster on
    # this machine that port is taken and distributed warns and moves.  A
    # free loopback port from the start avoids both.
    with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    """A Client on the cluster, the default scheduler for this module's
    tests (those that set another scheduler with dask.config win)."""
    with distributed.Client(cluster) as client:
        yield client


def assert_same(got, expected):
    """Every field of two BatchResults, to the bit (NaN equal to NaN)."""
    assert type(got) is pyminpack.BatchResult and len(got) == len(expected)
    for name in ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "status",
                 "success", "fvec", "fjac", "ipvt", "qtf", "at_bound"):
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a.dtype == b.dtype and a.shape == b.shape, name
            np.testing.assert_array_equal(a, b, err_msg=name)
    for k in (0, len(got) - 1) if len(got) else ():
        assert got.message(k) == expected.message(k)


@pytest.mark.parametrize("fits_per_chunk", [1_000, 600, 97, 1])
@pytest.mark.parametrize("jac", [False, True])
def test_compiled_recipes_equal_the_local_batch_for_any_chunking(
        client, fits_per_chunk, jac):
    func, Dfun = RESIDUALS, JACOBIAN if jac else None
    rows = ROWS if fits_per_chunk > 1 else ROWS[:12]
    got = pmd.leastsq_batch(func, X0, Dfun=Dfun, data=rows, m=M,
                            full_output=True, fits_per_chunk=fits_per_chunk)
    expected = pyminpack.leastsq_batch(func, X0, Dfun=Dfun, data=rows, m=M,
                                       full_output=True)
    assert_same(got, expected)
    assert expected.success.all()


@pytest.mark.parametrize("chunks", [(600,), (250, 250, 100), (1, 298, 301)])
def test_dask_inputs_give_lazy_results_chunked_as_they_were(client, chunks):
    starts = np.tile(X0, (600, 1)) + 0.1 * np.arange(600)[:, None] / 600
    diag = 1.0 + np.arange(1800.0).reshape(600, 3) / 1800
    lazy = pmd.leastsq_batch(
        RESIDUALS, da.from_array(starts, chunks=(chunks, 3)),
        data=da.from_array(ROWS, chunks=(chunks, 2 * M)),
        diag=da.from_array(diag, chunks=(chunks, 3)), m=M)
    assert isinstance(lazy, pmd.DaskBatchResult)
    assert isinstance(lazy.x, da.Array) and lazy.x.chunks == (chunks, (3,))
    assert lazy.cov_x.chunks == (chunks, (3,), (3,)) and lazy.njev is None
    expected = pyminpack.leastsq_batch(RESIDUALS, starts,
                                       data=ROWS, diag=diag, m=M)
    assert_same(lazy.compute(), expected)
    # dask.compute on the fields gives the same arrays.
    x, success = dask.compute(lazy.x, lazy.success)
    np.testing.assert_array_equal(x, expected.x)
    np.testing.assert_array_equal(success, expected.success)


def test_inputs_of_other_chunks_follow_the_first(client):
    starts = np.tile(X0, (600, 1))
    lazy = pmd.leastsq_batch(
        RESIDUALS, da.from_array(starts, chunks=(200, 3)),
        data=da.from_array(ROWS, chunks=(150, 7)), m=M)
    assert lazy.x.chunks[0] == (200, 200, 200)
    assert_same(lazy.compute(),
                pyminpack.leastsq_batch(RESIDUALS, starts,
                                        data=ROWS, m=M))
    again = pmd.leastsq_batch(
        RESIDUALS, X0,
        data=da.from_array(ROWS, chunks=150), m=M, fits_per_chunk=220)
    assert again.ier.chunks == ((220, 220, 160),)


@pytest.mark.parametrize("jac", [False, True])
@pytest.mark.parametrize("fits_per_chunk", [300, 130, 41])
def test_vectorized_equals_the_local_batch_for_any_chunking(
        client, jac, fits_per_chunk):
    y = np.ascontiguousarray(ROWS[:300, M:])
    options = dict(Dfun=vectorized_jacobian if jac else None, data=y,
                   vectorized=True, full_output=True, m=M)
    got = pmd.leastsq_batch(vectorized_model, X0, **options,
                            fits_per_chunk=fits_per_chunk)
    expected = pyminpack.leastsq_batch(vectorized_model, X0, **options)
    assert_same(got, expected)


def test_plain_python_lambdas_run_in_the_worker_processes(client):
    y = ROWS[:24, M:]
    offset = 0.25  # a closure variable: the lambda travels by value
    func = lambda x, y: plain_model(x, y) + offset  # noqa: E731

    def worker_calls():
        return {pid: n for by_pid in client.run(calls_here).values()
                for pid, n in by_pid.items()}
    before, here_before = worker_calls(), CALLS.get(os.getpid(), 0)
    got = pmd.leastsq_batch(func, X0, data=y, fits_per_chunk=5)
    assert CALLS.get(os.getpid(), 0) == here_before  # none ran here
    expected = pyminpack.leastsq_batch(func, X0, data=y)
    assert_same(got, expected)
    worker_pids = set(client.run(os.getpid).values())
    assert os.getpid() not in worker_pids and len(worker_pids) == 2
    on_workers = {pid: n - before.get(pid, 0)
                  for pid, n in worker_calls().items()}
    assert set(on_workers) <= worker_pids
    # The workers made every call the local batch made here.
    assert sum(on_workers.values()) == (CALLS[os.getpid()] - here_before
                                        ) > 0


def test_recipes_are_built_on_the_workers_not_here(client):
    recipe = from_numba(decay_residuals)
    got = pmd.leastsq_batch(recipe, X0, data=ROWS, m=M, fits_per_chunk=150)
    key = (recipe._key, "func")
    assert key not in pyminpack.compiled._BUILT

    def built_here():
        return key in pyminpack.compiled._BUILT
    built = client.run(built_here)
    assert any(built.values())
    assert_same(got, pyminpack.leastsq_batch(recipe, X0, data=ROWS, m=M))


def test_shared_args_are_sent_once_to_each_worker(client):
    name = f"payload-{os.getpid()}-{id(client)}"
    payload = SharedPayload(name, T.copy())
    y = ROWS[:40, M:]
    got = pmd.leastsq_batch(model_with_payload, X0, args=(payload,), data=y,
                            fits_per_chunk=4)  # 10 chunks on 2 workers
    expected = pyminpack.leastsq_batch(model_with_payload, X0,
                                       args=(payload,), data=y)
    assert_same(got, expected)
    counts = client.run(unpickled_here, name)
    assert sum(counts.values()) >= 1
    assert all(count <= 1 for count in counts.values()), counts


def test_no_call_while_the_graph_is_built():
    def refuses(*args):
        raise AssertionError("func called while building the graph")
    y = da.from_array(ROWS[:, M:], chunks=100)
    for options in (dict(vectorized=True), dict(vectorized=False),
                    dict(vectorized=True, Dfun=refuses, full_output=True,
                         m=M)):
        lazy = pmd.leastsq_batch(refuses, X0, data=y, **options)
        assert isinstance(lazy, pmd.DaskBatchResult) and len(lazy) == 600
        assert "lazy" in repr(lazy)


def test_the_active_scheduler_is_used():
    before = CALLS.get(os.getpid(), 0)
    y = ROWS[:6, M:]
    with dask.config.set(scheduler="sync"):
        got = pmd.leastsq_batch(plain_model, X0, data=y, fits_per_chunk=2)
    ran_here = CALLS[os.getpid()] - before
    assert ran_here == got.nfev.sum()  # every call ran in this process


@pytest.mark.parametrize("lazy", [False, True])
def test_zero_fits(client, lazy):
    rows = ROWS[:0]
    got = pmd.leastsq_batch(RESIDUALS, X0,
                            data=da.from_array(rows) if lazy else rows, m=M,
                            full_output=True)
    if lazy:
        got = got.compute()
    assert len(got) == 0 and got.x.shape == (0, 3)
    assert got.cov_x.shape == (0, 3, 3) and got.fjac.shape == (0, 3, M)
    python = pmd.leastsq_batch(plain_model, np.empty((0, 3)), data=rows,
                               full_output=True, m=M)
    assert python.fvec.shape == (0, M) and python.ier.dtype == np.int32


def test_all_nan_rows_are_fits_that_fail_as_locally(client):
    rows = ROWS[:60].copy()
    rows[[3, 31, 59], M:] = np.nan
    options = dict(data=rows, m=M, check_finite=False, full_output=True)
    got = pmd.leastsq_batch(RESIDUALS, X0, **options,
                            fits_per_chunk=16)
    expected = pyminpack.leastsq_batch(RESIDUALS, X0,
                                       **options)
    assert_same(got, expected)
    assert not expected.success[[3, 31, 59]].any()
    assert expected.success[[0, 30, 58]].all()
    # With check_finite the non-finite residuals at x0 fail the compute.
    with pytest.raises(ValueError, match="func\\(x0\\) must be finite") as e:
        pmd.leastsq_batch(RESIDUALS, X0, data=rows, m=M,
                          fits_per_chunk=16)
    # Whichever chunk failed first: its note says where its numbers start.
    start = int(re.search(r"counts from (\d+)$", e.value.__notes__[-1])[1])
    fit = int(re.search(r"of fit (\d+) is not", str(e.value))[1])
    assert start + fit in (3, 31, 59) and start % 16 == 0


def test_a_failing_fits_number_is_its_number_in_the_whole_batch(client):
    """The local batch numbers the fit within its chunk (5 of the chunk
    32..47); the error a computation raises names it as in the whole
    batch, in its .fit and its notes."""
    rows = ROWS[:48].copy()
    rows[37, M:] = np.nan
    with pytest.raises(ValueError, match="must be finite") as caught:
        pmd.leastsq_batch(RESIDUALS, X0, data=rows, m=M, fits_per_chunk=16)
    assert caught.value.fit == 37
    assert caught.value.__notes__[-1].startswith(
        "in the chunk of fits 32 to 47 of 48 (pyminpack.dask)")


@pytest.mark.parametrize("lazy", ["x0", "data", "diag"])
def test_irregular_dask_chunks_beside_numpy_per_fit_inputs(client, lazy):
    """One per-fit input is a dask array in uneven chunks, the others
    numpy: those are cut as it is, fit k still gets row k of each."""
    chunks = (5, 1, 11, 7)
    starts = np.tile(X0, (24, 1)) + np.arange(24)[:, None] / 48
    diag = 1.0 + np.arange(72.0).reshape(24, 3) / 72
    inputs = {"x0": starts, "data": ROWS[:24], "diag": diag}
    inputs[lazy] = da.from_array(inputs[lazy],
                                 chunks=(chunks, inputs[lazy].shape[1]))
    got = pmd.leastsq_batch(RESIDUALS, inputs["x0"], data=inputs["data"],
                            diag=inputs["diag"], m=M, full_output=True)
    assert got.x.chunks == (chunks, (3,))
    assert_same(got.compute(), pyminpack.leastsq_batch(
        RESIDUALS, starts, data=ROWS[:24], diag=diag, m=M, full_output=True))


def test_the_automatic_chunks_have_at_least_the_floor(client):
    """600 fits of a plain Python func on the cluster's 2 threads: 4
    chunks per thread would be 75 fits each, below the floor of 500 (about
    0.1 s of work), so the chunks are 500 and 100.  An exception at fit 0
    shows the chunk it ran in."""
    assert MIN_FITS["python"] == 500 and CHUNKS_PER_THREAD * 2 * 75 == 600
    y = np.ascontiguousarray(ROWS[:, M:])
    with pytest.raises(RuntimeError, match="fit 0") as caught:
        pmd.leastsq_batch(raises_at_fit_0, X0, data=y)
    assert "in the chunk of fits 0 to 499 of 600 (pyminpack.dask)" in \
        caught.value.__notes__


def raises_at_fit_0(x, y):
    if y[0] == ROWS[0, M]:
        raise RuntimeError("fit 0")
    return x[0] * np.exp(-x[1] * T) + x[2] - y


@pytest.mark.parametrize("count, threads, kind, expected", [
    (3_992, 2, "python", 500),     # 4 chunks per thread: 499, floored
    (4_000, 2, "python", 500),     # exactly the floor
    (4_008, 2, "python", 501),     # above it
    (4_001, 2, "python", 501),     # rounded up: no ninth chunk of 1 fit
    (79_984, 4, "compiled", 5_000),
    (80_016, 4, "vectorized", 5_001),
    (300, 2, "python", 300),       # fewer fits than the floor: one chunk
    (0, 2, "python", 1),
])
def test_the_automatic_chunk_size_floor(count, threads, kind, expected):
    assert auto_fits_per_chunk(count, 100, kind, threads) == expected


def test_the_chunk_byte_cap_wins_over_the_floor():
    bytes_per_fit = MAX_CHUNK_BYTES // 100
    assert auto_fits_per_chunk(100_000, bytes_per_fit, "python", 2) == 100
    assert auto_fits_per_chunk(100_000, MAX_CHUNK_BYTES * 2, "compiled",
                               2) == 1


def raises_at_fit_33(x, y):
    if y[0] == ROWS[33, M]:
        raise RuntimeError("model failed")
    return x[0] * np.exp(-x[1] * T) + x[2] - y


def vectorized_raises_at_fit_33(X, y):
    if (y[:, 0] == ROWS[33, M]).any():
        raise RuntimeError("model failed")
    return vectorized_model(X, y)


@pytest.mark.parametrize("vectorized", [False, True])
def test_a_raising_callback_fails_the_compute_naming_the_fit(
        client, vectorized):
    func = vectorized_raises_at_fit_33 if vectorized else raises_at_fit_33
    y = da.from_array(np.ascontiguousarray(ROWS[:50, M:]), chunks=10)
    lazy = pmd.leastsq_batch(func, X0, data=y, vectorized=vectorized)
    with pytest.raises(RuntimeError, match="model failed") as caught:
        lazy.compute()
    notes = caught.value.__notes__
    assert "in the chunk of fits 30 to 39 of 50 (pyminpack.dask)" in notes
    if vectorized:  # the fits being evaluated, numbered in the whole batch
        assert any("evaluating" in note and "33" in note
                   and "pyminpack.dask" in note for note in notes), notes
    else:
        assert "in fit 33 of 50 (pyminpack.dask.leastsq_batch)" in notes


def test_compiled_callables_that_cannot_travel_are_refused():
    import ctypes

    import numba
    decay = numba.cfunc(RESIDUAL_SIGNATURE)(decay_residuals)
    recipe = RESIDUALS
    function = ctypes.CFUNCTYPE(
        ctypes.c_int, ctypes.c_int, ctypes.c_int,
        ctypes.POINTER(ctypes.c_double), ctypes.POINTER(ctypes.c_double),
        ctypes.c_void_p)(decay.address)
    for func, Dfun in ((decay, None), (function, None), (recipe, decay)):
        with pytest.raises(
                TypeError, match="from_numba.*from_import.*from_library"):
            pmd.leastsq_batch(func, X0, Dfun=Dfun, data=ROWS, m=M)
    for address in (ROWS.ctypes.data, ctypes.c_void_p(ROWS.ctypes.data)):
        with pytest.raises(TypeError, match="means nothing in another "
                                            "process"):
            pmd.leastsq_batch(recipe, np.tile(X0, (4, 1)), args=(address,),
                              m=M)


def test_compiled_args_array_is_shared(client):
    row = np.ascontiguousarray(ROWS[9])
    got = pmd.leastsq_batch(RESIDUALS, np.tile(X0, (5, 1)),
                            args=(row,), m=M, fits_per_chunk=2)
    x, ier = pyminpack.leastsq(RESIDUALS, X0, args=(row,),
                               m=M)
    assert (got.x == x).all() and (got.ier == ier).all()


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               full_output=True), TypeError,
     "full_output needs m="),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               progress=True), ValueError, "Dask's"),
    (lambda: pmd.leastsq_batch(plain_model, X0), ValueError, "one start"),
    (lambda: pmd.leastsq_batch("f", X0, data=ROWS[:4, M:]), TypeError,
     "func must be callable"),
    (lambda: pmd.leastsq_batch(plain_model, np.ones((4, 3)),
                               data=ROWS[:5, M:]), ValueError,
     "data\\[0\\] has shape"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               diag=np.ones(2)), ValueError, "diag must"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               ftol=float("nan")), ValueError, "ftol"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               fits_per_chunk=0), ValueError, "positive"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:4, M:],
                               fits_per_chunk="big"), ValueError, "'auto'"),
])
def test_bad_input_is_found_before_any_task(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_import_pyminpack_does_not_import_dask():
    code = ("import sys, pyminpack; "
            "print(sorted(m for m in ('dask', 'distributed', 'pyminpack.dask')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "[]"


# curve_fit_batch

def curve(t, a, b, c):
    return a * np.exp(-b * t) + c


def curve_jac(t, a, b, c):
    e = np.exp(-b * t)
    return np.stack([e + 0 * a, -a * t * e, np.ones_like(a * t)], axis=-1)


CURVES = np.ascontiguousarray(ROWS[:200, M:])
SIGMA = 0.5 + np.random.default_rng(11).random((200, M))


def assert_same_curve_fits(got, expected):
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert_same(got[2], expected[2])


@pytest.mark.parametrize("fits_per_chunk", [200, 64, 29])
def test_curve_fit_batch_equals_the_local_one_for_any_chunking(
        client, fits_per_chunk):
    p0 = np.tile([1.0, 1.0, 0.0], (200, 1)) + np.arange(200)[:, None] / 400
    options = dict(p0=p0, sigma=SIGMA, jac=curve_jac, full_output=True)
    got = pmd.curve_fit_batch(curve, T, CURVES, **options,
                              fits_per_chunk=fits_per_chunk)
    assert_same_curve_fits(got, pyminpack.curve_fit_batch(curve, T, CURVES,
                                                          **options))


def test_curve_fit_batch_of_dask_arrays_is_lazy(client):
    p0 = np.tile([1.0, 1.0, 0.0], (200, 1))
    popt, pcov, result = pmd.curve_fit_batch(
        lambda t, a, b, c: a * np.exp(-b * t) + c, T,
        da.from_array(CURVES, chunks=(50, M)),
        da.from_array(p0, chunks=(80, 3)), sigma=SIGMA[0],
        absolute_sigma=True)
    assert isinstance(result, pmd.DaskBatchResult)
    assert popt.chunks == ((50, 50, 50, 50), (3,))
    assert pcov.chunks[1:] == ((3,), (3,))
    popt, pcov, x = dask.compute(popt, pcov, result.x)
    expected = pyminpack.curve_fit_batch(curve, T, CURVES, p0,
                                         sigma=SIGMA[0], absolute_sigma=True)
    np.testing.assert_array_equal(popt, expected[0])
    np.testing.assert_array_equal(pcov, expected[1])
    np.testing.assert_array_equal(x, expected[2].x)


def test_curve_fit_batch_omits_nan_points_per_curve(client):
    y = CURVES[:60].copy()
    y[5, [0, 7]] = np.nan
    y[40, 3:20] = np.nan
    x = T.copy()
    x[-1] = np.nan  # dropped from every curve
    options = dict(nan_policy="omit", full_output=True)
    got = pmd.curve_fit_batch(curve, x, y, **options, fits_per_chunk=16)
    expected = pyminpack.curve_fit_batch(curve, x, y, **options)
    assert_same_curve_fits(got, expected)
    assert got[2].fvec.shape == (60, M - 1)


def test_curve_fit_batch_warns_once_for_unknown_covariances():
    # 3 points and 3 parameters: no degrees of freedom, pcov is inf.
    t = T[:3]
    y = np.ascontiguousarray(CURVES[:20, :3])
    with pytest.warns(pyminpack.OptimizeWarning) as local:
        expected = pyminpack.curve_fit_batch(curve, t, y)
    with dask.config.set(scheduler="threads"):
        with pytest.warns(pyminpack.OptimizeWarning) as ours:
            got = pmd.curve_fit_batch(curve, t, y, fits_per_chunk=6)
    assert [str(w.message) for w in ours] == [str(w.message) for w in local]
    assert len(ours) == 1 and "of 20 fits" in str(ours[0].message)
    assert_same_curve_fits(got, expected)


def test_curve_fit_batch_exception_names_the_chunk(client):
    def failing(t, a, b, c):
        if (np.asarray(a) > 100).any():
            raise FloatingPointError("a too large")
        return curve(t, a, b, c)
    p0 = np.tile([1.0, 1.0, 0.0], (40, 1))
    p0[25, 0] = 500.0
    with pytest.raises(FloatingPointError) as caught:
        pmd.curve_fit_batch(failing, T, CURVES[:40], p0, fits_per_chunk=10)
    assert "in the chunk of fits 20 to 29 of 40 (pyminpack.dask)" in \
        caught.value.__notes__
    # The local function's note, its curves numbered in the whole batch.
    assert "in pyminpack.dask.curve_fit_batch, evaluating " + ", ".join(
        f"curve {k}" for k in range(20, 30)) in caught.value.__notes__


# --- bounds (issue 20): per-fit bounds chunked with the fits -----------------

def bounds_per_fit(count):
    """Bounds of every kind, a in some fits fixed, starts inside."""
    lb = np.tile([0.0, 0.6, -np.inf], (count, 1))
    ub = np.tile([2.2, np.inf, 0.9], (count, 1))
    lb[::7, 0] = ub[::7, 0] = 1.75
    starts = np.tile(X0, (count, 1))
    starts[::7, 0] = 1.75
    return starts, lb, ub


@pytest.mark.parametrize("fits_per_chunk", [300, 97, 1])
@pytest.mark.parametrize("kind", ["compiled", "vectorized", "plain"])
def test_bounded_batches_equal_the_local_batch_for_any_chunking(
        client, fits_per_chunk, kind):
    rows = ROWS[:300] if fits_per_chunk > 1 else ROWS[:12]
    if kind != "compiled":  # the Python models take the y half of a row
        rows = np.ascontiguousarray(rows[:, M:])
    starts, lb, ub = bounds_per_fit(len(rows))
    options = dict(data=rows, bounds=(lb, ub), full_output=True, m=M)
    func = {"compiled": RESIDUALS, "vectorized": vectorized_model,
            "plain": plain_model}[kind]
    if kind == "vectorized":
        options["vectorized"] = True
    got = pmd.leastsq_batch(func, starts, fits_per_chunk=fits_per_chunk,
                            **options)
    expected = pyminpack.leastsq_batch(func, starts, **options)
    assert_same(got, expected)
    assert expected.success.all() and expected.at_bound.any()
    assert np.all(expected.x[::7, 0] == 1.75)


def test_dask_bounds_are_chunked_with_the_fits(client):
    starts, lb, ub = bounds_per_fit(600)
    lazy = pmd.leastsq_batch(
        RESIDUALS, da.from_array(starts, chunks=(250, 3)),
        data=da.from_array(ROWS, chunks=(250, 2 * M)), m=M,
        bounds=(da.from_array(lb, chunks=(100, 3)), ub))
    assert isinstance(lazy, pmd.DaskBatchResult)
    assert lazy.at_bound.chunks == ((250, 250, 100), (3,))
    assert_same(lazy.compute(), pyminpack.leastsq_batch(
        RESIDUALS, starts, data=ROWS, m=M, bounds=(lb, ub)))


def test_bounded_curve_fit_batch_equals_the_local_one(client):
    y = ROWS[:200, M:]
    lb = np.tile([0.0, 0.6, 0.0], (200, 1))
    ub = np.tile([2.2, np.inf, 0.9], (200, 1))
    lb[5, 2] = ub[5, 2] = 0.5
    got = pmd.curve_fit_batch(curve, T, y, bounds=(lb, ub),
                              fits_per_chunk=60)
    expected = pyminpack.curve_fit_batch(curve, T, y, bounds=(lb, ub))
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])
    assert_same(got[2], expected[2])
    assert np.all(got[1][5, 2] == 0)


@pytest.mark.parametrize("call, pattern", [
    (lambda: pmd.leastsq_batch(plain_model, np.tile(X0, (600, 1)),
                               data=ROWS[:, M:], bounds=([0, 0, 0.5], 2.0)),
     r"^leastsq_batch: x0 is infeasible: x0's parameter 2 of fit 0 is 0\.0"),
    (lambda: pmd.curve_fit_batch(curve, T, ROWS[:5, M:], p0=X0,
                                 bounds=(np.full((5, 3), 0.5), 2.0)),
     r"^curve_fit_batch: x0 is infeasible: p0's parameter 2 of curve 0"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:, M:],
                               bounds=(0.0, [2.0, np.nan, 2.0])),
     r"^pyminpack\.dask\.leastsq_batch: bounds must not be NaN"),
    (lambda: pmd.leastsq_batch(plain_model, X0, data=ROWS[:, M:],
                               bounds=(da.zeros((5, 3)), 2.0)),
     r"^pyminpack\.dask\.leastsq_batch: the lower bounds have shape "
     r"\(5, 3\); a dask array of bounds must have one row per fit "
     r"\(600, 3\)$"),
])
def test_bad_bounds_are_found_before_any_task(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()
