#!/usr/bin/env python3
"""Is scipy's C hybrd/hybrj the Fortran with DBL_EPSILON for dpmpar(1)?

python -m pyminpack.validate scipy.optimize:fsolve finds scipy >= 1.15's C
translation departing from the original Fortran (docs/guide/validating.md,
"Validating a MINPACK port").  This tool tests the explanation: it builds the
MINPACK-1 HYBRD and HYBRJ drivers' direct runs (as
tools/make_reference_hybrd_lmstr.py does) on the vendored MINPACK with one
change, a DPMPAR whose machine epsilon is EPSILON(1D0) = 2**-52 =
DBL_EPSILON instead of netlib's 2.22044604926D-16, and compares every case
with the scipy.optimize.fsolve installed (x and info, bit for bit).

    python tools/hybrd_dbl_epsilon.py      # with scipy >= 1.15 installed

Needs what make_reference_hybrd_lmstr.py needs (apt, gfortran, network).
Nothing is written to the repository.
"""

import pathlib
import sys
import tempfile
import warnings

import numpy as np

import make_reference as reference
import make_reference_hybrd_lmstr as drivers

DPMPAR_DBL_EPSILON = """\
      DOUBLE PRECISION FUNCTION DPMPAR(I)
      INTEGER I
      IF (I .EQ. 1) DPMPAR = EPSILON(1.0D0)
      IF (I .EQ. 2) DPMPAR = TINY(1.0D0)
      IF (I .EQ. 3) DPMPAR = HUGE(1.0D0)
      RETURN
      END
"""


def fortran_runs(root):
    """{solver: [{"x", "info"}] per case} with dpmpar(1) = 2**-52."""
    texts = drivers.fetch_sources(root)
    objects = []
    for name in reference.MINPACK_FILES:
        source = reference.VENDOR_DIR / name
        if name == "dpmpar.f":
            source = root / "dpmpar_dbl_epsilon.f"
            source.write_text(DPMPAR_DBL_EPSILON)
        obj = root / (name[:-2] + ".o")
        reference.run(["gfortran", *reference.FFLAGS, "-c", str(source),
                       "-o", str(obj)])
        objects.append(str(obj))
    runs = {}
    for solver in ("hybrd", "hybrj"):
        units = reference.program_units(texts[drivers.SOLVERS[solver][0]])
        problems = "".join(t for k, t in units.items() if k != "MAIN")
        output = drivers.build_and_run(
            root, f"{solver}_dbl_epsilon",
            drivers.direct_source(solver, problems), objects,
            texts["file21"], drivers.DRIVER_FFLAGS)
        runs[solver] = drivers.parse_direct(output)
    return runs


def main():
    import scipy
    from scipy.optimize import fsolve
    from pyminpack.testing import minpack1_equation_cases
    with tempfile.TemporaryDirectory() as tmp:
        runs = fortran_runs(pathlib.Path(tmp))
    print(f"scipy {scipy.__version__}'s fsolve against the Fortran with "
          f"dpmpar(1) = 2**-52, MINPACK-1's HYBRD/HYBRJ cases:")
    status = 0
    for solver, with_jacobian in (("hybrd", False), ("hybrj", True)):
        differing = []
        for case, run in zip(minpack1_equation_cases(), runs[solver]):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                x, _, ier, _ = fsolve(
                    case.func, np.array(case.x0), full_output=True,
                    fprime=case.jacobian if with_jacobian else None,
                    xtol=case.options["xtol"], diag=np.ones(case.n))
            if (np.asarray(x).tobytes() != np.array(run["x"]).tobytes()
                    or ier != run["info"]):
                differing.append(case.name)
        same = len(runs[solver]) - len(differing)
        print(f"  {solver}: {same}/{len(runs[solver])} bit-identical"
              + (f"; differing: {', '.join(differing)}" if differing else ""))
        status |= bool(differing)
    return status


if __name__ == "__main__":
    sys.exit(main())
