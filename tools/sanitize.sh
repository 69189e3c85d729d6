#!/usr/bin/env bash
# Build pyminpack with AddressSanitizer and UndefinedBehaviorSanitizer and
# run the whole test suite against that build.
#
# Self-sufficient: everything happens in a throw-away virtual environment
# under a temporary directory (removed on exit), so the developer's own
# (editable) install is neither used nor touched.  Needs only python3 with
# venv and its headers, gcc and gfortran (Debian: apt-get install gcc
# gfortran python3-venv python3-dev) and the package index pip is set up for.
# Takes about five minutes: ~1 minute to build, the rest for the tests.
#
# Usage: tools/sanitize.sh [extra pytest arguments]
# Environment: PYTHON (default python3), KEEP_SANITIZE_DIR=1 keeps the
# temporary directory for inspection, TEST_VENV (see below).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
start=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/pyminpack-sanitize.XXXXXX")
if [ "${KEEP_SANITIZE_DIR:-0}" = 1 ]; then
    echo "sanitize: keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi

# The runtime that the sanitized extension needs.  python itself is not
# built with ASan, so libasan must be loaded first (LD_PRELOAD), before any
# other library; asking the same gcc that builds the extension finds the
# matching version.
libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
    echo "sanitize: gcc has no libasan.so ($libasan)" >&2
    exit 1
fi

# TEST_VENV=dir installs into that venv instead (made if it does not exist,
# kept afterwards), so that builds run one after the other share one set of
# test requirements: CI's builds stream gives this script and
# tools/check_fma.sh the same one, and each installs its own build of
# pyminpack into it (pip rebuilds and reinstalls a source tree every time).
venv=${TEST_VENV:-$work/venv}
echo "sanitize: venv in $venv"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
venv_python="$venv/bin/python"
"$venv_python" -m pip install --quiet --upgrade pip
# The build requirements (pyproject.toml) and the test requirements (the
# project's "test" extra, scipy included) go in first, so the build below
# can run without build isolation, against this venv's numpy.
"$venv_python" -m pip install --quiet "meson-python>=0.16" meson ninja \
    "numpy>=2.0" pytest hypothesis

# Non-editable, so the sanitized extension is what `import pyminpack` finds;
# its own build directory, so the developer's build/ is left alone.
# b_sanitize instruments the C glue and the Fortran alike.
# -fno-sanitize-recover=all makes every UBSan finding fatal at once.
"$venv_python" -m pip install --quiet --no-build-isolation \
    --config-settings=build-dir="$work/build" \
    --config-settings=setup-args=-Db_sanitize=address,undefined \
    --config-settings=setup-args=-Dc_args=-fno-sanitize-recover=all \
    --config-settings=setup-args=-Dfortran_args=-fno-sanitize-recover=all \
    --config-settings=setup-args=-Dbuildtype=debugoptimized \
    "$repo[test]"

if ! grep -q -- '-fsanitize=address,undefined' "$work/build/build.ninja"; then
    echo "sanitize: the build is not instrumented" >&2
    exit 1
fi
built=$(date +%s)
echo "sanitize: built in $((built - start)) s"

# detect_leaks=0: LeakSanitizer reports every allocation that CPython and
# numpy keep until exit (interned strings, type caches, arenas of modules
# never unloaded) as a leak, thousands of them, burying anything real.
# Leaks of our own are caught instead by tests/test_leaks.py, which counts
# references and memory across thousands of fits.
# PYTHONMALLOC=malloc: every Python object and PyMem buffer (including the
# extension's own) comes from malloc, so ASan sees its bounds instead of
# pymalloc's arenas.
# abort_on_error/halt_on_error: a finding stops the run with a non-zero
# status, whatever pytest would make of it.
# libstdc++ goes in too: ASan resolves its __cxa_throw interceptor when it
# starts, and python is C, so a C++ extension loaded later (greenlet, whose
# switches throw C++ exceptions) would find it unresolved and abort.
libstdcxx=$(gcc -print-file-name=libstdc++.so)
export LD_PRELOAD="$libasan $libstdcxx"
export PYTHONMALLOC=malloc
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# Run from a directory that is not the repository, with the repository's
# tests, so that `import pyminpack` can only be the sanitized install.
# --capture=sys leaves file descriptor 2 alone: a sanitizer report goes
# straight to stderr instead of into pytest's capture file, which the abort
# would throw away unread.
cd "$work"
"$venv_python" -c "import pyminpack, pyminpack._minpack as m; print('sanitize: testing', m.__file__)"
status=0
"$venv_python" -m pytest -p no:cacheprovider -q --capture=sys \
    -c "$repo/pyproject.toml" --rootdir "$repo" "$repo/tests" "$@" || status=$?
end=$(date +%s)
echo "sanitize: tests took $((end - built)) s; total $((end - start)) s"
if [ "$status" -ne 0 ]; then
    echo "sanitize: FAILED with status $status (134 = a sanitizer abort)" >&2
fi
exit $status
