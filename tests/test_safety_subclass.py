"""No user code runs on func's or Dfun's output after it has been checked.

When func or Dfun returns an ndarray subclass and the conversion needs a
copy, a view or a ravel, numpy runs the subclass's ``__array_finalize__`` on
the new array; that code may change the new array's shape or dtype.  A
conversion that then trusted what it had checked read a NULL dimensions
pointer (a 0-d array) or m doubles out of an m-byte buffer (dtype int8).
The conversion now makes a base-class ndarray first, so no user code runs
on what it copies: these tests show both that the fits come out right and
that the subclass's hook is never called by the conversion.
"""

import numpy as np
import pytest

from pyminpack import leastsq
from problems import BY_NAME

GAUSS = BY_NAME["gaussian"]


class Recorder(np.ndarray):
    """Counts __array_finalize__ calls; once armed, sabotages each new array.

    ``sabotage`` is what the hook does to the array numpy is finishing:
    make it 0-d, reinterpret its bytes as int8, or make it 2-D.
    """

    calls = 0
    armed = False
    sabotage = None

    def __array_finalize__(self, obj):
        cls = type(self)
        if not cls.armed:
            return
        cls.calls += 1
        try:
            if cls.sabotage == "0-d" and self.ndim == 1:
                self.shape = ()
            elif cls.sabotage == "int8" and self.ndim >= 1:
                self.dtype = np.int8
            elif cls.sabotage == "2-d" and self.ndim == 1 and self.size > 1:
                self.shape = (1, self.size)
        except (AttributeError, ValueError, TypeError):
            pass  # numpy refused this change for this array


def subclass(sabotage):
    """A fresh Recorder subclass, so each test has its own counters."""
    return type(f"Recorder_{sabotage}", (Recorder,),
                {"calls": 0, "armed": False, "sabotage": sabotage})


def dressed(array, cls):
    """``array`` as a view of class ``cls``, armed from now on."""
    view = array.view(cls)
    cls.armed = True
    return view


# Ways of returning residuals that make the conversion copy, view or ravel.
RESIDUAL_LAYOUTS = {
    "float32": lambda r: r.astype(np.float32),
    "strided": lambda r: np.repeat(r, 2)[::2],
    "reversed": lambda r: r[::-1].copy()[::-1],
    "big-endian": lambda r: r.astype(">f8"),
    "int64": lambda r: np.round(r * 1e6).astype(np.int64),
}


def reference_fit(layout, with_jacobian=False, jac_layout=None):
    """The same fit with plain ndarrays in the same layouts."""
    def func(x, *args):
        return RESIDUAL_LAYOUTS[layout](GAUSS.func(x, *args))

    def dfun(x, *args):
        return jac_layout(GAUSS.jac(x, *args))
    return leastsq(func, GAUSS.x0, GAUSS.args,
                   Dfun=dfun if with_jacobian else None, full_output=True)


def assert_same_fit(got, expected):
    x, cov_x, info, mesg, ier = got
    assert ier == expected[4]
    np.testing.assert_array_equal(x, expected[0])
    np.testing.assert_array_equal(info["fvec"], expected[2]["fvec"])
    assert info["nfev"] == expected[2]["nfev"]


@pytest.mark.parametrize("sabotage", ["0-d", "int8", "2-d"])
@pytest.mark.parametrize("layout", sorted(RESIDUAL_LAYOUTS))
def test_residual_subclass_hooks_never_run_during_conversion(layout,
                                                             sabotage):
    cls = subclass(sabotage)

    def func(x, *args):
        cls.armed = False
        return dressed(RESIDUAL_LAYOUTS[layout](GAUSS.func(x, *args)), cls)

    got = leastsq(func, GAUSS.x0, GAUSS.args, full_output=True)
    cls.armed = False
    assert cls.calls == 0
    assert_same_fit(got, reference_fit(layout))


def test_issue_example_does_not_crash_and_fits():
    # The reviewer's example: the first call is plain, the later ones a 0-d
    # subclass whose hook makes every 1-D array 0-d.
    class Evil(np.ndarray):
        def __array_finalize__(self, obj):
            if self.ndim == 1:
                self.shape = ()

    calls = [0]

    def f(x):
        calls[0] += 1
        if calls[0] == 1:
            return np.array([x[0] - 1])
        return np.asarray(x[0] - 1).view(Evil)

    x, ier = leastsq(f, [0.0])
    assert ier in (1, 2, 3, 4) and x.tolist() == [1.0]
    assert calls[0] > 2


JACOBIAN_LAYOUTS = {
    "float32": lambda j: j.astype(np.float32),
    "fortran": lambda j: np.asfortranarray(j),
    "strided": lambda j: np.repeat(j, 2, axis=0)[::2],
    "big-endian": lambda j: j.astype(">f8"),
}


@pytest.mark.parametrize("sabotage", ["0-d", "int8", "2-d"])
@pytest.mark.parametrize("jac_layout", sorted(JACOBIAN_LAYOUTS))
def test_jacobian_subclass_hooks_never_run_during_conversion(jac_layout,
                                                             sabotage):
    cls = subclass(sabotage)
    layout = JACOBIAN_LAYOUTS[jac_layout]

    def func(x, *args):
        return GAUSS.func(x, *args)

    def dfun(x, *args):
        cls.armed = False
        return dressed(layout(GAUSS.jac(x, *args)), cls)

    got = leastsq(func, GAUSS.x0, GAUSS.args, Dfun=dfun, full_output=True)
    cls.armed = False
    assert cls.calls == 0
    expected = leastsq(func, GAUSS.x0, GAUSS.args,
                       Dfun=lambda x, *a: layout(GAUSS.jac(x, *a)),
                       full_output=True)
    assert_same_fit(got, expected)
    assert got[2]["njev"] == expected[2]["njev"]


@pytest.mark.parametrize("sabotage", ["0-d", "int8"])
def test_one_by_one_jacobian_subclass(sabotage):
    # m = n = 1: the Jacobian may be 0-d, (1,) or (1, 1); a 0-d subclass
    # whose hook changes what numpy makes of it must not be trusted.
    cls = subclass(sabotage)

    def func(x):
        return np.array([x[0] ** 2 - 2.0])

    def dfun(x):
        cls.armed = False
        return dressed(np.array([[2.0 * x[0]]], dtype=np.float32), cls)

    x, cov_x, info, mesg, ier = leastsq(func, [1.0], Dfun=dfun,
                                        full_output=True)
    cls.armed = False
    assert cls.calls == 0
    expected = leastsq(func, [1.0], Dfun=lambda x: np.array(
        [[2.0 * x[0]]], dtype=np.float32), full_output=True)
    np.testing.assert_array_equal(x, expected[0])
    assert ier == expected[4]


def test_first_evaluation_is_converted_the_same_way():
    # func(x0) goes through the same conversion before MINPACK starts (it
    # gives m and answers MINPACK's first request).
    cls = subclass("0-d")

    def func(x, *args):
        cls.armed = False
        return dressed(GAUSS.func(x, *args)[::-1].copy()[::-1], cls)

    x, ier = leastsq(func, GAUSS.x0, GAUSS.args)
    cls.armed = False
    assert cls.calls == 0
    np.testing.assert_array_equal(x, leastsq(GAUSS.func, GAUSS.x0,
                                             GAUSS.args)[0])


# --- m comes from the converted array, not from the user's object ----------

class LyingSize(np.ndarray):
    """An ndarray subclass whose ``size`` is not its size."""

    lie = 10**6

    @property
    def size(self):
        return type(self).lie


@pytest.mark.parametrize("lie", [10**6, 0, 1])
def test_a_lying_size_does_not_defeat_the_n_gt_m_check(lie):
    cls = type("Lying", (LyingSize,), {"lie": lie})

    def func(x):
        return np.array([x[0] - 1.0, x[1] + 1.0]).view(cls)

    with pytest.raises(TypeError, match=r"^Improper input: func input vector "
                       r"length N=3 must not exceed func output vector "
                       r"length M=2$"):
        leastsq(func, [0.0, 0.0, 0.0])


@pytest.mark.parametrize("lie", [10**6, 0, 1])
def test_a_lying_size_does_not_change_m(lie):
    cls = type("Lying", (LyingSize,), {"lie": lie})

    def func(x, *args):
        return GAUSS.func(x, *args).view(cls)

    x, cov_x, info, mesg, ier = leastsq(func, GAUSS.x0, GAUSS.args,
                                        full_output=True)
    expected = leastsq(GAUSS.func, GAUSS.x0, GAUSS.args, full_output=True)
    assert info["fvec"].shape == (50,) and type(info["fvec"]) is np.ndarray
    np.testing.assert_array_equal(x, expected[0])
    np.testing.assert_array_equal(info["fvec"], expected[2]["fvec"])


class LyingDtype(np.ndarray):
    """A subclass whose ``dtype`` attribute says float16 but is float64."""

    @property
    def dtype(self):
        return np.dtype(np.float16)


def test_epsfcn_default_comes_from_the_converted_output():
    # epsfcn=None uses the epsilon of the dtype numpy found in func's
    # output, read once during the conversion, not a (lying) attribute.
    def func(x, *args):
        return GAUSS.func(x, *args).view(LyingDtype)

    got = leastsq(func, GAUSS.x0, GAUSS.args, full_output=True)
    expected = leastsq(GAUSS.func, GAUSS.x0, GAUSS.args, full_output=True)
    assert_same_fit(got, expected)
