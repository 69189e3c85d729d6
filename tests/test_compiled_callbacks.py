"""Compiled func and Dfun in leastsq (numba cfunc, ctypes, PyCapsule,
scipy.LowLevelCallable): the same bits as Python twins, user_data, stops,
and clear errors for what cannot be called safely."""

import ctypes
import warnings

import numpy as np
import pytest
import scipy

from compiled_problems import (M, X0, decay, decay_fixed, decay_fixed_py,
                               decay_jac, decay_jac_py, decay_jac_stopping,
                               decay_py, decay_rows, decay_stopping,
                               float32_x, no_user_data, returns_double,
                               stopping_rows)
from pyminpack import leastsq

ROW = decay_rows(1, seed=3)[0]


def assert_same_fit(got, expected):
    assert got[4] == expected[4]
    np.testing.assert_array_equal(got[0], expected[0])
    for key in ("fvec", "fjac", "ipvt", "qtf"):
        np.testing.assert_array_equal(got[2][key], expected[2][key])
    assert got[2]["nfev"] == expected[2]["nfev"]
    assert got[2].get("njev") == expected[2].get("njev")
    if expected[1] is None:
        assert got[1] is None
    else:
        np.testing.assert_array_equal(got[1], expected[1])
    assert got[3] == expected[3]


def capsule(address, name):
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(address, name, None)


RESIDUAL_KINDS = {
    "cfunc": lambda: decay,
    "ctypes": lambda: decay.ctypes,
    "capsule": lambda: capsule(decay.address,
                               b"int (int, int, const double *, double *, "
                               b"void *)"),
    "LowLevelCallable": lambda: scipy.LowLevelCallable(decay.ctypes),
}
JACOBIAN_KINDS = {
    "cfunc": lambda: decay_jac,
    "ctypes": lambda: decay_jac.ctypes,
    "capsule": lambda: capsule(decay_jac.address,
                               b"int (int m, int n, const double *x, "
                               b"double *fjac, int ldfjac, double *data)"),
    "LowLevelCallable": lambda: scipy.LowLevelCallable(decay_jac.ctypes),
}


@pytest.mark.parametrize("kind", sorted(RESIDUAL_KINDS))
@pytest.mark.parametrize("options", [{}, {"epsfcn": 1e-10},
                                     {"diag": [1.0, 2.0, 3.0]},
                                     {"ftol": 0.0, "xtol": 0.0},
                                     {"maxfev": 7}])
def test_compiled_func_gives_the_bits_of_its_python_twin(kind, options):
    func = RESIDUAL_KINDS[kind]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # ier 5 and 7
        got = leastsq(func, X0, args=(ROW,), full_output=True, m=M,
                      **options)
        expected = leastsq(decay_py, X0, args=(ROW,), full_output=True,
                           **options)
    assert_same_fit(got, expected)
    assert got[2]["nfev"] > 5


@pytest.mark.parametrize("kind", sorted(JACOBIAN_KINDS))
def test_compiled_dfun_gives_the_bits_of_its_python_twin(kind):
    got = leastsq(RESIDUAL_KINDS[kind](), X0, args=(ROW,),
                  Dfun=JACOBIAN_KINDS[kind](), full_output=True, m=M)
    expected = leastsq(decay_py, X0, args=(ROW,), Dfun=decay_jac_py,
                       full_output=True)
    assert_same_fit(got, expected)
    assert got[2]["njev"] > 2


def test_without_full_output_returns_x_and_ier():
    x, ier = leastsq(decay, X0, args=(ROW,), m=M)
    assert type(ier) is int and ier in (1, 2, 3, 4)
    np.testing.assert_array_equal(x, leastsq(decay_py, X0, args=(ROW,))[0])


def test_x0_is_not_modified_and_x_is_new():
    x0 = X0.copy()
    x, ier = leastsq(decay, x0, args=(ROW,), m=M)
    np.testing.assert_array_equal(x0, X0)
    assert x is not x0 and not np.shares_memory(x, x0)


# --- user_data -------------------------------------------------------------

def test_null_user_data_from_empty_args():
    got = leastsq(decay_fixed, X0, full_output=True, m=M)
    assert_same_fit(got, leastsq(decay_fixed_py, X0, full_output=True))


def test_user_data_as_ctypes_pointer_and_int_address():
    row = ROW.copy()
    pointer = row.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    expected = leastsq(decay, X0, args=(row,), m=M)
    for args in [(pointer,), (ctypes.c_void_p(row.ctypes.data),),
                 (row.ctypes.data,), row]:
        got = leastsq(decay, X0, args=args, m=M)
        np.testing.assert_array_equal(got[0], expected[0])


def test_low_level_callable_with_its_own_user_data():
    row = ROW.copy()
    llc = scipy.LowLevelCallable(decay.ctypes,
                                 ctypes.c_void_p(row.ctypes.data))
    got = leastsq(llc, X0, m=M)
    np.testing.assert_array_equal(got[0], leastsq(decay, X0, (row,), m=M)[0])
    with pytest.raises(TypeError, match="user_data of its own"):
        leastsq(llc, X0, args=(row,), m=M)


@pytest.mark.parametrize("args, error, pattern", [
    ((ROW, ROW), TypeError, r"one user_data pointer.*2 items"),
    (("text",), TypeError, r"must be \(\) for NULL, one C-contiguous "
                           r"ndarray"),
    ((1.5,), TypeError, r"not float"),
    ((np.zeros((4, 4))[:, 0],), ValueError, r"must be C-contiguous"),
    ((-1,), ValueError, r"not a pointer"),
    ((2**64,), ValueError, r"the address 18446744073709551616 is not a "
                           r"pointer"),
])
def test_bad_user_data_is_refused(args, error, pattern):
    with pytest.raises(error, match=pattern):
        leastsq(decay, X0, args=args, m=M)


# --- m ----------------------------------------------------------------------

def test_m_is_required_with_a_compiled_func():
    with pytest.raises(TypeError, match=r"pass m=, their number"):
        leastsq(decay, X0, args=(ROW,))


@pytest.mark.parametrize("m, error", [(0, ValueError), (-3, ValueError),
                                      (2.0, TypeError), ("30", TypeError)])
def test_bad_m_is_refused(m, error):
    with pytest.raises(error, match=r"^leastsq: m must be"):
        leastsq(decay, X0, args=(ROW,), m=m)


def test_m_smaller_than_n_is_improper_input():
    with pytest.raises(TypeError, match=r"^Improper input: func input "
                       r"vector length N=3 must not exceed func output "
                       r"vector length M=2$"):
        leastsq(decay, X0, args=(ROW,), m=2)


def test_m_must_agree_with_a_python_func():
    with pytest.raises(ValueError, match=r"m=29 but func returned 30"):
        leastsq(decay_py, X0, args=(ROW,), m=29)
    x, ier = leastsq(decay_py, X0, args=(ROW,), m=30)
    assert ier in (1, 2, 3, 4)


# --- signatures and pointers ---------------------------------------------------

@pytest.mark.parametrize("func", [returns_double, no_user_data, float32_x],
                         ids=["double return", "4 arguments", "float32 x"])
def test_wrong_cfunc_signature_shows_the_expected_one(func):
    with pytest.raises(TypeError, match=r"C signature int func\(int m, int n, "
                       r"const double \*x, double \*fvec, void \*user_data\)"
                       r"; it has "):
        leastsq(func, X0, args=(ROW,), m=M)


def test_wrong_jacobian_signature():
    with pytest.raises(TypeError, match=r"int jac\(int m, int n, const double "
                       r"\*x, double \*fjac, int ldfjac, void \*user_data\)"):
        leastsq(decay, X0, args=(ROW,), Dfun=decay, m=M)


def test_ctypes_function_with_other_or_undeclared_types():
    function = ctypes.cast(decay.address, ctypes.CFUNCTYPE(None))
    with pytest.raises(TypeError, match=r"; it has void \(\)$"):
        leastsq(function, X0, args=(ROW,), m=M)
    undeclared = ctypes.CDLL(None).abs  # argtypes never set
    with pytest.raises(TypeError, match=r"; it has c_int \(undeclared "
                       r"argtypes\)$"):
        leastsq(undeclared, X0, args=(ROW,), m=M)


def test_null_function_pointer():
    prototype = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_double),
                                 ctypes.POINTER(ctypes.c_double),
                                 ctypes.c_void_p)
    with pytest.raises(ValueError, match="NULL function pointer"):
        leastsq(prototype(), X0, args=(ROW,), m=M)


@pytest.mark.parametrize("name", [b"double (double, void *)", None,
                                  b"int (int, int, double *, double *)"])
def test_capsule_with_another_signature(name):
    with pytest.raises(TypeError, match=r"a PyCapsule named"):
        leastsq(capsule(decay.address, name), X0, args=(ROW,), m=M)


def test_mixing_compiled_and_python_callables_is_refused():
    with pytest.raises(TypeError, match="both be compiled"):
        leastsq(decay, X0, args=(ROW,), Dfun=decay_jac_py, m=M)
    with pytest.raises(TypeError, match="both be compiled"):
        leastsq(decay_py, X0, args=(ROW,), Dfun=decay_jac, m=M)


def test_check_finite_applies_to_compiled_fits():
    with pytest.raises(ValueError, match=r"x0 must be finite"):
        leastsq(decay, [1.0, np.nan, 0.0], args=(ROW,), m=M)
    row = ROW.copy()
    row[M + 4] = np.inf
    with pytest.raises(ValueError, match=r"func\(x0\) must be finite, but "
                       r"entry 4 is -inf"):
        leastsq(decay, X0, args=(row,), m=M)
    x, cov_x, info, mesg, ier = leastsq(decay, X0, args=(row,), m=M,
                                        full_output=True, check_finite=False)
    assert not np.isfinite(info["fvec"][4])


# --- a callback that returns non-zero -----------------------------------------

def python_points(limit):
    """The points a Python twin is evaluated at, its first `limit` calls."""
    points = []

    def recording(x, row):
        points.append(x.copy())
        if len(points) == limit:
            raise StopIteration
        return decay_py(x, row)
    with pytest.raises(StopIteration):
        leastsq(recording, X0, args=(ROW,))
    return points


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 9, 13])
@pytest.mark.parametrize("value", [1, -7, 12345])
def test_func_returning_non_zero_stops_the_fit_at_its_last_iterate(limit,
                                                                   value):
    row = stopping_rows(ROW[None], limit, value)[0]
    x, cov_x, info, mesg, ier = leastsq(decay_stopping, X0, args=(row,),
                                        m=M, full_output=True)
    assert ier == -1 and cov_x is None
    assert row[2 * M] == limit  # the calls func counted: none after the stop
    # nfev is MINPACK's count, which adds n for a whole forward-difference
    # Jacobian even when func stopped it half-way.
    assert limit <= info["nfev"] <= limit + 2
    assert mesg == (f"func returned {value} (not 0): the fit stopped at its "
                    f"last iterate.")
    points = python_points(limit)
    stopping_point = points[-1]
    if limit == 1:
        np.testing.assert_array_equal(x, X0)
        return
    # x is an iterate: a point evaluated earlier, never a point of the
    # forward differences (which differ from their iterate in one entry).
    assert any(np.array_equal(x, p) for p in points[:-1])
    differs = np.count_nonzero(x != stopping_point)
    assert differs != 0
    if differs == 1:  # the stop came during the forward differences
        assert not any(np.array_equal(stopping_point, p) for p in points[:-1])


def test_func_stop_warns_without_full_output():
    row = stopping_rows(ROW[None], 4, 2)[0]
    with pytest.warns(RuntimeWarning, match=r"^func returned 2 \(not 0\)"):
        x, ier = leastsq(decay_stopping, X0, args=(row,), m=M)
    assert ier == -1


@pytest.mark.parametrize("limit", [1, 3])
def test_dfun_returning_non_zero_stops_the_fit(limit):
    row = stopping_rows(ROW[None], limit, 5)[0]
    x, cov_x, info, mesg, ier = leastsq(decay, X0, args=(row,),
                                        Dfun=decay_jac_stopping, m=M,
                                        full_output=True)
    assert ier == -2 and info["njev"] == limit and row[2 * M] == limit
    assert mesg == ("Dfun returned 5 (not 0): the fit stopped at its last "
                    "iterate.")
    # The iterate at which the Jacobian was asked for: the same as the
    # fit that stops there for want of evaluations.
    full = leastsq(decay, X0, args=(ROW,), Dfun=decay_jac, m=M,
                   full_output=True)
    assert full[2]["njev"] > limit
