"""Spec §1: signature, defaults and documentation."""

import doctest
import inspect

import pyminpack
from pyminpack import _leastsq

EXPECTED = [
    ("func", inspect.Parameter.empty),
    ("x0", inspect.Parameter.empty),
    ("args", ()),
    ("Dfun", None),
    ("full_output", False),
    ("col_deriv", False),
    ("ftol", 1.49012e-08),
    ("xtol", 1.49012e-08),
    ("gtol", 0.0),
    ("maxfev", 0),
    ("epsfcn", None),
    ("factor", 100),
    ("diag", None),
]


def test_positional_parameters_are_scipys_in_order_with_its_defaults():
    parameters = list(inspect.signature(pyminpack.leastsq).parameters.values())
    positional = [p for p in parameters
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert [(p.name, p.default) for p in positional] == EXPECTED


def test_extensions_are_keyword_only_and_come_last():
    parameters = list(inspect.signature(pyminpack.leastsq).parameters.values())
    extra = parameters[len(EXPECTED):]
    assert [p.name for p in extra] == ["check_finite", "m", "callback",
                                       "Dfun_row", "bounds"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in extra)
    assert extra[0].default is True
    assert all(p.default is None for p in extra[1:])


def test_docstring_documents_every_parameter_and_return_value():
    # cleandoc: Python 3.13 strips the common indentation itself, earlier
    # versions keep it; either way the sections start at column 0 after it.
    doc = inspect.cleandoc(pyminpack.leastsq.__doc__)
    for section in ("Parameters", "Returns", "Raises", "Warns", "Examples"):
        assert f"\n{section}\n---" in doc
    for name, _ in EXPECTED:
        assert f"\n{name} : " in doc
    assert "\ncheck_finite : " in doc
    assert "\nm : " in doc
    assert "\ncallback : " in doc
    for name in ("x", "cov_x", "infodict", "mesg", "ier"):
        assert f"\n{name} : " in doc
    for key in ("fvec", "nfev", "njev", "fjac", "ipvt", "qtf"):
        assert f"``{key}``" in doc
    assert "1-based" in doc


def test_docstring_example_runs():
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(_leastsq.leastsq, "leastsq"):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 5
    assert result.failed == 0


def test_public_names():
    assert pyminpack.__all__ == [
        "leastsq", "leastsq_batch", "BatchResult", "curve_fit",
        "curve_fit_batch", "curve_fit_groups", "OptimizeWarning",
        "check_jacobian", "JacobianCheck", "fsolve", "fsolve_batch",
        "__version__"]
    assert isinstance(pyminpack.__version__, str)
    assert pyminpack.__version__.count(".") >= 2
