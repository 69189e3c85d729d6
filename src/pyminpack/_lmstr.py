"""leastsq's ``Dfun_row=``: MINPACK's lmstr, the Jacobian one row at a time.

Why an option of leastsq and not a function of its own: lmstr solves
lmder's problem with lmder's algorithm and returns what lmder returns (x,
cov_x, fvec, nfev, njev, ipvt, qtf, the same ier and messages); only the
way the Jacobian reaches MINPACK differs, which is what leastsq's Dfun
already chooses (none: lmdif, a matrix: lmder).  Here the rules that
differ are checked; the fit itself is leastsq's (_leastsq._run_python
calls _minpack.lmstr).
"""

from . import _compiled


def check_rows(func, Dfun, Dfun_row, callback):
    """The combinations Dfun_row cannot run with, as clear errors."""
    if not callable(Dfun_row) or _compiled.is_compiled(Dfun_row):
        raise TypeError(f"leastsq: Dfun_row must be a Python callable, "
                        f"not {type(Dfun_row).__name__}")
    if Dfun is not None:
        raise TypeError("leastsq: give Dfun (the whole Jacobian, lmder) or "
                        "Dfun_row (one row at a time, lmstr), not both")
    if callback is not None:
        raise TypeError("leastsq: callback= is not available with Dfun_row")
    if _compiled.is_compiled(func):
        raise TypeError("leastsq: Dfun_row needs a Python func, not a "
                        "compiled one")
