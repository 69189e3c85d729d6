"""What each MINPACK return code (``ier``/``info``) means: one table.

The texts are scipy.optimize.leastsq's, character for character, so code
that inspects ``mesg`` keeps working.  ``{ftol:f}`` is Python's ``f``
format of the value passed in, so the default 1.49012e-08 prints
``0.000000``, exactly as scipy prints it.
"""

#: ier values that mean the fit converged.
SUCCESS = frozenset({1, 2, 3, 4})
#: ier values that mean the fit stopped without converging.
FAILURE = frozenset({5, 6, 7, 8})
#: ier values of a fit that a compiled func (-1) or Dfun (-2) stopped by
#: returning non-zero: MINPACK's own info = iflag convention.
STOPPED = frozenset({-1, -2})
#: ier of a fit that ``callback=`` stopped by returning True, at the
#: iterate it was given: MINPACK's info = iflag convention again, the next
#: free negative code (src/ext/callback.h, PM_INFO_CALLBACK_STOP).
CALLBACK_STOP = -3

_TEMPLATES = {
    CALLBACK_STOP: "callback returned True: the fit stopped at the iterate "
                   "it was given.",
    -2: "Dfun returned {status} (not 0): the fit stopped at its last "
        "iterate.",
    -1: "func returned {status} (not 0): the fit stopped at its last "
        "iterate.",
    0: "Improper input parameters.",
    1: "Both actual and predicted relative reductions in the sum of squares\n"
       "  are at most {ftol:f}",
    2: "The relative error between two consecutive iterates is at most "
       "{xtol:f}",
    3: "Both actual and predicted relative reductions in the sum of squares\n"
       "  are at most {ftol:f} and the relative error between two "
       "consecutive iterates is at \n  most {xtol:f}",
    4: "The cosine of the angle between func(x) and any column of the\n"
       "  Jacobian is at most {gtol:f} in absolute value",
    5: "Number of calls to function has reached maxfev = {maxfev}.",
    6: "ftol={ftol:f} is too small, no further reduction in the sum of "
       "squares\n  is possible.",
    7: "xtol={xtol:f} is too small, no further improvement in the "
       "approximate\n  solution is possible.",
    8: "gtol={gtol:f} is too small, func(x) is orthogonal to the columns "
       "of\n  the Jacobian to machine precision.",
}


def message(ier, *, ftol, xtol, gtol, maxfev, status=0):
    """The message scipy.optimize.leastsq gives for ``ier`` (and ours for
    the ier < 0 of compiled callbacks, with the value they returned)."""
    return _TEMPLATES[ier].format(ftol=ftol, xtol=xtol, gtol=gtol,
                                  maxfev=maxfev, status=status)


# fsolve's table: scipy.optimize.fsolve's texts for hybrd/hybrj's info,
# character for character (the space before the first newline of 4 and 5
# included), and ours for the compiled callbacks' -1 and -2.
#: The one ier of fsolve that means the system was solved.
FSOLVE_SUCCESS = 1

_FSOLVE_TEMPLATES = {
    -2: "fprime returned {status} (not 0): the solve stopped at its last "
        "iterate.",
    -1: "func returned {status} (not 0): the solve stopped at its last "
        "iterate.",
    0: "Improper input parameters were entered.",
    1: "The solution converged.",
    2: "The number of calls to function has reached maxfev = {maxfev}.",
    3: "xtol={xtol:f} is too small, no further improvement in the "
       "approximate\n  solution is possible.",
    4: "The iteration is not making good progress, as measured by the \n"
       "  improvement from the last five Jacobian evaluations.",
    5: "The iteration is not making good progress, as measured by the \n"
       "  improvement from the last ten iterations.",
}


def fsolve_message(ier, *, xtol, maxfev, status=0):
    """The message scipy.optimize.fsolve gives for ``ier`` (scipy's
    "An error occurred." for a code it has no text for)."""
    template = _FSOLVE_TEMPLATES.get(ier, "An error occurred.")
    return template.format(xtol=xtol, maxfev=maxfev, status=status)
