"""What the bad-callback tests of leastsq and fsolve share: exceptions of
every kind, an array-like whose conversion raises, and the check that an
exception raised in func or in the Jacobian callback comes out of the
solver unchanged."""

import traceback

import pytest


class Custom(BaseException):
    pass


class ArrayThatRaises:
    def __init__(self, error):
        self.error = error

    def __array__(self, dtype=None, copy=None):
        raise self.error


def assert_raised_unchanged(solve, func, jac, error, func_call, jac_call):
    """solve(failing_func, failing_jac) (failing_jac None when jac is)
    raises `error` itself: raised at func's call `func_call` or jac's call
    `jac_call` (counting from 1), its traceback running from here to that
    callback, no exception chained, and no call made after it."""
    calls = {"func": 0, "jac": 0}

    def failing_func(x):
        calls["func"] += 1
        if calls["func"] == func_call:
            raise error
        return func(x)

    def failing_jac(x):
        calls["jac"] += 1
        if calls["jac"] == jac_call:
            raise error
        return jac(x)

    try:
        solve(failing_func, None if jac is None else failing_jac)
    except BaseException as caught:  # noqa: B036 - the point of the test
        raised = caught
    else:
        pytest.fail("nothing raised")
    assert raised is error
    frames = [frame.f_code.co_name for frame, _ in
              traceback.walk_tb(raised.__traceback__)]
    assert frames[0] == "assert_raised_unchanged"
    assert frames[-1] == ("failing_jac" if jac_call else "failing_func")
    assert raised.__cause__ is None
    assert calls["jac" if jac_call else "func"] == (jac_call or func_call)
