"""Fits interleaved in one OS thread by greenlets (as gevent and eventlet do).

A func that switches greenlets suspends its fit in the middle of MINPACK's
call to it; another greenlet may then start, run and finish fits of its
own, in the same thread, before the first is resumed.  Each trampoline must
find its own fit again however that went, and fits must be able to end in
any order, not only last-in first-out.  Every interleaved fit here must give
the bits it gives alone.
"""

import itertools
import random

import greenlet
import numpy as np
import pytest

from pyminpack import leastsq
from problems import BY_NAME

GAUSS = BY_NAME["gaussian"]
DECAY = BY_NAME["decay"]
RATIONAL = BY_NAME["rational"]
UG = BY_NAME["users_guide"]

# (problem, with Dfun): fits of different lengths, so they end in orders
# other than the one they started in.
FITS = [(GAUSS, False), (DECAY, True), (RATIONAL, False), (UG, True),
        (GAUSS, True)]


def fit_alone(problem, with_jacobian):
    return leastsq(problem.func, problem.x0, problem.args,
                   Dfun=problem.jac if with_jacobian else None,
                   full_output=True)


def yielding(callable_, parent):
    """``callable_`` that hands the thread back to ``parent`` at each call."""
    def wrapped(x, *args):
        value = callable_(x, *args)
        parent.switch()
        return value
    return wrapped


def fit_yielding(problem, with_jacobian, parent):
    return leastsq(yielding(problem.func, parent), problem.x0, problem.args,
                   Dfun=(yielding(problem.jac, parent) if with_jacobian
                         else None),
                   full_output=True)


def assert_same_fit(got, expected):
    assert got[4] == expected[4]
    np.testing.assert_array_equal(got[0], expected[0])
    for key in ("fvec", "fjac", "ipvt", "qtf"):
        np.testing.assert_array_equal(got[2][key], expected[2][key])
    assert got[2]["nfev"] == expected[2]["nfev"]
    if got[1] is None:
        assert expected[1] is None
    else:
        np.testing.assert_array_equal(got[1], expected[1])


def run_interleaved(fits, pick):
    """Run ``fits`` each in a greenlet, resuming the one ``pick`` chooses.

    ``pick(live)`` gets the indices of the greenlets not yet finished and
    returns the one to resume.  Returns each fit's result (or exception).
    """
    main = greenlet.getcurrent()
    results = [None] * len(fits)

    def worker(k, problem, with_jacobian):
        try:
            results[k] = fit_yielding(problem, with_jacobian, main)
        except BaseException as exc:  # noqa: BLE001 - recorded for the test
            results[k] = exc

    threads = [greenlet.greenlet(lambda k=k, p=p, j=j: worker(k, p, j))
               for k, (p, j) in enumerate(fits)]
    switches = 0
    while True:
        live = [k for k, g in enumerate(threads) if not g.dead]
        if not live:
            return results, switches
        threads[pick(live)].switch()
        switches += 1


def round_robin():
    counter = itertools.count()
    return lambda live: live[next(counter) % len(live)]


def last_first():
    return lambda live: live[-1]


def seeded(seed):
    rng = random.Random(seed)
    return lambda live: rng.choice(live)


@pytest.mark.parametrize("count", [2, 3, 5])
@pytest.mark.parametrize("order", ["round robin", "reversed round robin",
                                   "newest first", "random 1", "random 2"])
def test_interleaved_fits_give_the_bits_they_give_alone(count, order):
    fits = FITS[:count]
    if order == "reversed round robin":
        fits = fits[::-1]
    pick = {"round robin": round_robin, "reversed round robin": round_robin,
            "newest first": last_first, "random 1": lambda: seeded(1),
            "random 2": lambda: seeded(2)}[order]()
    results, switches = run_interleaved(fits, pick)
    assert switches > 10 * count  # they really were interleaved
    for result, (problem, with_jacobian) in zip(results, fits):
        assert not isinstance(result, BaseException), result
        assert_same_fit(result, fit_alone(problem, with_jacobian))


def test_first_started_ends_first():
    # The fit that started first ends first: not last-in first-out.
    main = greenlet.getcurrent()
    finished = []

    def short():
        result = leastsq(yielding(UG.func, main), UG.x0, full_output=True)
        finished.append("short")
        return result

    def long():
        result = leastsq(yielding(GAUSS.func, main), GAUSS.x0, GAUSS.args,
                         full_output=True)
        finished.append("long")
        return result

    g_short = greenlet.greenlet(short)
    g_long = greenlet.greenlet(long)
    g_short.switch()          # short starts first, suspends in its func
    g_long.switch()           # long starts, suspends in its func
    results = {}
    while not (g_short.dead and g_long.dead):
        for name, g in (("short", g_short), ("long", g_long)):
            if not g.dead:
                value = g.switch()
                if g.dead:
                    results[name] = value
    assert finished[0] == "short"
    assert_same_fit(results["short"], leastsq(UG.func, UG.x0,
                                              full_output=True))
    assert_same_fit(results["long"], fit_alone(GAUSS, False))


def test_nested_fit_inside_an_interleaved_one():
    # func of an outer fit runs an inner fit that itself yields, so the
    # thread holds outer fits suspended at two depths.
    main = greenlet.getcurrent()
    inner_results = []

    def outer_func(x, *args):
        inner_results.append(fit_yielding(RATIONAL, False, main))
        main.switch()
        return GAUSS.func(x, *args)

    def outer():
        return leastsq(outer_func, GAUSS.x0, GAUSS.args, full_output=True,
                       maxfev=8)

    def other():
        return fit_yielding(DECAY, True, main)

    threads = [greenlet.greenlet(outer), greenlet.greenlet(other)]
    results = [None, None]
    while not all(g.dead for g in threads):
        for k, g in enumerate(threads):
            if not g.dead:
                value = g.switch()
                if g.dead:
                    results[k] = value
    expected_outer = leastsq(GAUSS.func, GAUSS.x0, GAUSS.args,
                             full_output=True, maxfev=8)
    assert_same_fit(results[0], expected_outer)
    assert_same_fit(results[1], fit_alone(DECAY, True))
    assert len(inner_results) == results[0][2]["nfev"] > 2
    for inner in inner_results:
        assert_same_fit(inner, fit_alone(RATIONAL, False))


def test_an_exception_in_one_fit_leaves_the_others_intact():
    main = greenlet.getcurrent()
    calls = [0]

    def failing(x, *args):
        calls[0] += 1
        main.switch()
        if calls[0] == 6:
            raise ZeroDivisionError("fit 1 fails")
        return DECAY.func(x, *args)

    def bad():
        return leastsq(failing, DECAY.x0, DECAY.args)

    def good():
        return fit_yielding(GAUSS, True, main)

    threads = [greenlet.greenlet(bad), greenlet.greenlet(good)]
    outcome = [None, None]
    while not all(g.dead for g in threads):
        for k, g in enumerate(threads):
            if not g.dead:
                try:
                    value = g.switch()
                except ZeroDivisionError as exc:
                    value = exc
                if g.dead:
                    outcome[k] = value
    assert isinstance(outcome[0], ZeroDivisionError)
    assert_same_fit(outcome[1], fit_alone(GAUSS, True))


def test_a_greenlet_killed_inside_func_unwinds_its_fit():
    # A suspended fit whose greenlet is thrown GreenletExit (what gevent's
    # kill and garbage collection do) returns through MINPACK like any
    # exception from func, while another fit is suspended too.
    main = greenlet.getcurrent()
    unwound = []

    def victim():
        try:
            leastsq(yielding(GAUSS.func, main), GAUSS.x0, GAUSS.args)
        except greenlet.GreenletExit:
            unwound.append(True)
            raise

    g_victim = greenlet.greenlet(victim)
    g_other = greenlet.greenlet(lambda: fit_yielding(DECAY, False, main))
    g_victim.switch()
    g_other.switch()
    g_victim.switch()
    g_victim.throw(greenlet.GreenletExit)
    assert g_victim.dead and unwound == [True]
    result = None
    while not g_other.dead:
        result = g_other.switch()
    assert_same_fit(result, fit_alone(DECAY, False))
    # And the thread runs ordinary fits as before.
    assert_same_fit(fit_alone(UG, True), fit_alone(UG, True))


# --- compiled batches whose progress callback switches greenlets ------------

def counting_batch(rows, threads, progress=None):
    """A compiled batch (decay_stopping, which never stops with limit 0,
    counts its calls in each row): the result and the calls per fit."""
    from compiled_problems import M, X0, decay_stopping, stopping_rows

    from pyminpack import leastsq_batch
    counted = stopping_rows(rows, 0, 0)
    result = leastsq_batch(decay_stopping, X0, data=counted, m=M,
                           threads=threads, progress=progress)
    return result, counted[:, 2 * M]


def suspended_batches(fits, threads):
    """Two compiled batches in two greenlets whose progress callbacks
    switch back to this one: their rows, how often each was suspended
    mid-run, and their outcomes."""
    from compiled_problems import decay_rows
    rows = [decay_rows(fits, seed=11), decay_rows(fits, seed=12)]
    main = greenlet.getcurrent()
    switches = [0, 0]
    outcome = [None, None]

    def run(k):
        def progress(done, total):
            if done < total:
                switches[k] += 1
                main.switch()
        outcome[k] = counting_batch(rows[k], threads, progress)

    batches = [greenlet.greenlet(lambda k=k: run(k)) for k in range(2)]
    while not all(g.dead for g in batches):
        for g in batches:
            if not g.dead:
                g.switch()
    return rows, switches, outcome


@pytest.mark.parametrize("threads", [2, 1])
def test_compiled_batches_whose_progress_switches_greenlets(threads):
    # Two batches in two greenlets of one OS thread: each progress call
    # hands the thread to the other batch, whose C frames then take the
    # place of the first one's on the stack.  With two worker threads
    # each, the first one's workers keep running meanwhile: what they
    # share (counters, result pointers, lock) must not live on that stack.
    # With one, the calling thread is inside a fit, in MINPACK, when the
    # progress callback switches: the other batch's fits run in the same
    # thread before it resumes, and each must find its own fit again.
    # The progress callback runs when a poll is due (every 50 ms), so a
    # batch must outlast one poll to be suspended mid-run: on a fast, idle
    # machine 6,000 fits may not, so the size doubles until both were.
    for fits in (6000, 12000, 24000, 48000, 96000):
        rows, switches, outcome = suspended_batches(fits, threads)
        if min(switches) > 0:
            break
    assert min(switches) > 0  # each batch really was suspended mid-run
    for k in range(2):
        result, calls = outcome[k]
        alone, _ = counting_batch(rows[k], 1)
        for name in ("x", "ier", "nfev", "fnorm", "cov_x"):
            np.testing.assert_array_equal(getattr(result, name),
                                          getattr(alone, name))
        # Each fit ran once: func was called exactly nfev times for it.
        np.testing.assert_array_equal(calls, result.nfev)
