"""leastsq's callback=: MINPACK's NPRINT hook, once per iteration.

The counts come from the MINPACK-1 reference: each LMDER iteration
computes one Jacobian (njev), and the LMDIF driver's own NJEV counts the
forward-difference Jacobians, one per iteration too.
"""

import numpy as np
import pytest

from pyminpack import leastsq
from pyminpack._messages import CALLBACK_STOP
from pyminpack.testing import minpack1_cases
from pyminpack.testing._minpack1 import raw_reference

CASES = minpack1_cases()
BARD = next(c for c in CASES if c.name == "mgh08-n3-m15-x10")


def run(case, with_jacobian, **options):
    return leastsq(case.residuals, case.x0, full_output=True,
                   Dfun=case.jacobian if with_jacobian else None,
                   **case.options, **options)


def driver_iterations(case):
    """The LMDIF driver's NJEV for the case: its Jacobians, one per
    iteration."""
    entry = next(e for e in raw_reference()["cases"]
                 if e["solver"] == "lmdif" and e["problem"] ==
                 case.about["problem"] and e["n"] == case.n
                 and e["m"] == case.m and e["factor"] == case.about["factor"])
    return entry["driver_njev"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_one_call_per_iteration(case):
    calls = []
    run(case, True, callback=lambda x, fvec: calls.append(1))
    assert len(calls) == case.lmder.njev
    calls.clear()
    run(case, False, callback=lambda x, fvec: calls.append(1))
    assert len(calls) == driver_iterations(case)


def test_calls_get_the_iterate_and_its_residuals_as_new_arrays():
    seen = []

    def callback(x, fvec):
        seen.append((x.copy(), fvec.copy()))
        x[:] = np.nan  # the callback's own copies: the fit must not care
        fvec[:] = np.nan
    x, _, info, _, ier = run(BARD, True, callback=callback)
    assert seen[0][0].tobytes() == BARD.x0.tobytes()
    assert seen[0][1].tobytes() == BARD.residuals(BARD.x0).tobytes()
    for x_k, fvec_k in seen:
        assert fvec_k.tobytes() == BARD.residuals(x_k).tobytes()
    assert x.tobytes() == BARD.lmder.x.tobytes()


@pytest.mark.parametrize("with_jacobian", [True, False])
def test_none_and_a_callback_that_never_stops_change_no_bit(with_jacobian):
    plain = run(BARD, with_jacobian)
    for kwargs in ({"callback": None}, {"callback": lambda x, f: None},
                   {"callback": lambda x, f: False}):
        other = run(BARD, with_jacobian, **kwargs)
        assert other[0].tobytes() == plain[0].tobytes()
        assert other[1].tobytes() == plain[1].tobytes()
        assert other[3:] == plain[3:]
        assert other[2].keys() == plain[2].keys()
        for key, value in plain[2].items():
            assert np.asarray(other[2][key]).tobytes() == \
                np.asarray(value).tobytes(), key


@pytest.mark.parametrize("with_jacobian", [True, False])
@pytest.mark.parametrize("stop_at", [1, 3])
def test_true_stops_at_the_iterate_given(with_jacobian, stop_at):
    seen = []

    def callback(x, fvec):
        seen.append((x.copy(), fvec.copy()))
        return len(seen) == stop_at
    x, cov_x, info, mesg, ier = run(BARD, with_jacobian, callback=callback)
    assert ier == CALLBACK_STOP == -3
    assert len(seen) == stop_at
    assert x.tobytes() == seen[-1][0].tobytes()
    assert info["fvec"].tobytes() == seen[-1][1].tobytes()
    assert cov_x is None
    assert mesg == ("callback returned True: the fit stopped at the "
                    "iterate it was given.")


def test_a_stop_without_full_output_returns_without_a_warning():
    # pytest turns warnings into errors (pyproject.toml).
    x, ier = leastsq(BARD.residuals, BARD.x0, callback=lambda x, f: True)
    assert ier == -3 and x.tobytes() == BARD.x0.tobytes()


class Stop(Exception):
    pass


@pytest.mark.parametrize("with_jacobian", [True, False])
def test_an_exception_propagates_unchanged(with_jacobian):
    error = Stop("from the callback")

    def callback(x, fvec):
        raise error
    with pytest.raises(Stop) as caught:
        run(BARD, with_jacobian, callback=callback)
    assert caught.value is error
    assert caught.traceback[-1].name == "callback"


def test_an_exception_from_the_truth_value_propagates():
    class Undecided:
        def __bool__(self):
            raise Stop("no truth value")
    with pytest.raises(Stop, match="no truth value"):
        run(BARD, True, callback=lambda x, f: Undecided())


def test_a_fit_may_run_inside_the_callback():
    inner = []

    def callback(x, fvec):
        inner.append(run(BARD, True)[0])
    x = run(BARD, True, callback=callback)[0]
    assert x.tobytes() == BARD.lmder.x.tobytes()
    assert all(v.tobytes() == BARD.lmder.x.tobytes() for v in inner)


def test_improper_input_calls_no_callback():
    calls = []
    x, _, _, _, ier = leastsq(BARD.residuals, BARD.x0, full_output=True,
                              ftol=-1.0, callback=lambda x, f: calls.append(1))
    assert ier == 0 and calls == []


def test_a_callback_must_be_callable():
    with pytest.raises(TypeError, match="callback must be callable"):
        leastsq(BARD.residuals, BARD.x0, callback=3)


def test_compiled_callbacks_refuse_a_callback():
    pytest.importorskip("numba")
    from compiled_problems import M, X0, decay, decay_rows
    with pytest.raises(TypeError, match="not available with a compiled"):
        leastsq(decay, X0, args=(decay_rows(1)[0],), m=M,
                callback=lambda x, f: None)
