"""Exceptions from a callable's name lookup, and tuple subclasses as args.

- Error messages name func or Dfun by their ``__name__``.  A callable
  without one (AttributeError) or with a name that is not a string goes
  unnamed; any other exception raised by that lookup (KeyboardInterrupt
  above all) is the user's, and propagates instead of our message.
- ``args`` given as a tuple subclass: every call, the first (made in
  Python) and the later ones (made in C), gets the same items, the tuple's
  own, whatever the subclass's ``__iter__`` or ``__getitem__`` say.
"""

import numpy as np
import pytest

from pyminpack import leastsq

X0 = [1.0, 2.0]


def residuals(x):
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] * x[1] - 2.0])


class NamedBy:
    """A callable whose __name__ lookup raises ``exc``."""

    def __init__(self, output, exc):
        self.output = output
        self.exc = exc

    def __call__(self, x):
        return self.output(x)

    @property
    def __name__(self):
        raise self.exc


# Each output makes the conversion look the callable's name up.
BAD_OUTPUTS = {
    "ragged": lambda x: [[1.0], [1.0, 2.0]],
    "complex": lambda x: np.ones(3, complex),
    "2-D": lambda x: np.ones((3, 2)),
}


@pytest.mark.parametrize("exc_type", [KeyboardInterrupt, MemoryError,
                                      RuntimeError])
@pytest.mark.parametrize("output", sorted(BAD_OUTPUTS))
def test_exception_from_name_lookup_propagates(output, exc_type):
    func = NamedBy(BAD_OUTPUTS[output], exc_type("from __name__"))
    with pytest.raises(exc_type, match="^from __name__$"):
        leastsq(func, X0)
    # ... also from the calls MINPACK makes, and for Dfun.
    later = NamedBy(lambda x: BAD_OUTPUTS[output](x) if x.tolist() != X0
                    else residuals(x), exc_type("from __name__"))
    with pytest.raises(exc_type, match="^from __name__$"):
        leastsq(later, X0)
    dfun = NamedBy(BAD_OUTPUTS["ragged" if output == "2-D" else output],
                   exc_type("from __name__"))
    with pytest.raises(exc_type, match="^from __name__$"):
        leastsq(residuals, X0, Dfun=dfun)


def test_numpys_error_is_the_context_of_the_name_lookups():
    func = NamedBy(BAD_OUTPUTS["ragged"], KeyboardInterrupt("from __name__"))
    with pytest.raises(KeyboardInterrupt) as caught:
        leastsq(func, X0)
    assert isinstance(caught.value.__context__, ValueError)


def test_jacobian_shape_error_with_interrupted_name_lookup():
    dfun = NamedBy(lambda x: np.ones((2, 3)), KeyboardInterrupt("name"))
    with pytest.raises(KeyboardInterrupt, match="^name$"):
        leastsq(residuals, X0, Dfun=dfun)


def test_changing_length_with_interrupted_name_lookup():
    func = NamedBy(lambda x: residuals(x) if x.tolist() == X0
                   else np.ones(4), KeyboardInterrupt("name"))
    with pytest.raises(KeyboardInterrupt, match="^name$"):
        leastsq(func, X0)


@pytest.mark.parametrize("exc_type", [AttributeError])
def test_attribute_error_from_name_lookup_leaves_the_callable_unnamed(
        exc_type):
    func = NamedBy(BAD_OUTPUTS["2-D"], exc_type("no name"))
    with pytest.raises(ValueError, match=r"^leastsq: func must return a 1-D "
                       r"array of residuals; it returned an array of shape "
                       r"\(3, 2\)$"):
        leastsq(func, X0)


def test_named_callable_is_named():
    def my_residuals(x):
        return np.ones((3, 2))
    with pytest.raises(ValueError, match=r"^leastsq: func 'my_residuals' "
                       r"must return a 1-D"):
        leastsq(my_residuals, X0)


# --- args as a tuple subclass -------------------------------------------------

class Shifty(tuple):
    """A tuple whose iteration and indexing disagree with its items."""

    def __iter__(self):
        return iter([100.0] * len(self))

    def __getitem__(self, index):
        return 200.0

    def __len__(self):
        return 7


class Endless(tuple):
    """A tuple whose __iter__ never ends."""

    def __iter__(self):
        while True:
            yield 0.0


def shifted(x, a, b):
    return np.array([x[0] - a, x[1] - b, (x[0] - a) * (x[1] - b)])


@pytest.mark.parametrize("cls", [Shifty, Endless])
@pytest.mark.parametrize("with_jacobian", [False, True])
def test_every_call_gets_the_tuples_own_items(cls, with_jacobian):
    seen = []

    def func(x, *args):
        seen.append(args)
        return shifted(x, *args)

    def dfun(x, a, b):
        seen.append((a, b))
        return np.array([[1.0, 0.0], [0.0, 1.0], [x[1] - b, x[0] - a]])

    x, ier = leastsq(func, [0.0, 0.0], args=cls((3.0, 4.0)),
                     Dfun=dfun if with_jacobian else None)
    assert len(seen) > 3
    assert all(args == (3.0, 4.0) and type(args) is tuple for args in seen)
    np.testing.assert_allclose(x, [3.0, 4.0])


def test_namedtuple_args_behave_as_their_items():
    from collections import namedtuple
    Data = namedtuple("Data", "a b")
    x1, ier1 = leastsq(shifted, [0.0, 0.0], args=Data(3.0, 4.0))
    x2, ier2 = leastsq(shifted, [0.0, 0.0], args=(3.0, 4.0))
    np.testing.assert_array_equal(x1, x2)
    assert ier1 == ier2
