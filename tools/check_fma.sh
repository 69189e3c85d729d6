#!/usr/bin/env bash
# Build pyminpack for this CPU with fused multiply-add (FMA) instructions
# available to the compiler, and run the test suite, whose bitwise tests
# (the MINPACK-1 suite, scipy 1.14.1 side by side, layouts, threads) then
# show whether the results are still the same bits as everywhere else.
#
# Why: -ffp-contract=off (meson.build) is what keeps gfortran from fusing
# a*b + c into one FMA, which rounds once instead of twice and so changes
# results.  On plain x86-64 (no -march) there is no FMA instruction to fuse
# into, so removing the flag changes no object file and no test can notice;
# built for an FMA-capable CPU, removing it makes ~140 tests fail.  This
# check builds that way, so the guarantee is tested, not assumed.
#
# What it checks, in order:
#   1. the CPU has FMA (x86-64: the 'fma' flag in /proc/cpuinfo; aarch64:
#      always); otherwise it says so and exits 0, having checked nothing;
#   2. the compilers enable FMA for the chosen -march (-Q --help=target);
#   3. the build used it: every C and Fortran compile command has -march,
#      and the extension's code is VEX-encoded (x86-64), i.e. built for it;
#   4. the extension holds no fused multiply-add instruction (objdump);
#   5. the whole test suite passes against this build.
# It exits non-zero if 2, 3, 4 or 5 fails.
#
# Self-sufficient, like tools/sanitize.sh: a throw-away venv and build
# directory under a temporary directory (removed on exit); the developer's
# own (editable) install and build/ are neither used nor touched.  Needs
# python3 with venv, gcc, gfortran, binutils (objdump) and the package
# index pip is set up for.  About a minute: ~25 s to build, ~30 s of tests.
#
# Usage: tools/check_fma.sh [extra pytest arguments]
# Environment: PYTHON (default python3); FMA_MARCH (default native: this
# CPU, whose FMA step 2 confirms); KEEP_FMA_DIR=1 keeps the temporary
# directory; TEST_VENV=dir installs into that venv (made if missing, kept),
# as in tools/sanitize.sh.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}
march=${FMA_MARCH:-native}
start=$(date +%s)

say() { echo "check_fma: $*"; }
fail() { echo "check_fma: FAILED: $*" >&2; exit 1; }

# --- 1. an FMA-capable CPU -----------------------------------------------------
machine=$(uname -m)
case "$machine" in
    x86_64 | amd64)
        if ! grep -qw fma /proc/cpuinfo 2>/dev/null; then
            say "SKIPPED: this $machine CPU has no FMA (no 'fma' in /proc/cpuinfo):"
            say "nothing to check here; run it on a machine with FMA (Haswell or later, Zen)"
            exit 0
        fi
        fma_pattern='\bv?f(n)?m(add|sub)[0-9]*(p|s)[sd]\b'
        vex_pattern='\bv(add|sub|mul|div)sd\b'
        ;;
    aarch64 | arm64)
        # FMA is part of the base ISA: every aarch64 build can contract.
        fma_pattern='\bf(n)?m(add|sub)\b'
        vex_pattern=''
        ;;
    *)
        say "SKIPPED: no FMA check for $machine"
        exit 0
        ;;
esac

# --- 2. the compilers use FMA with this -march -----------------------------------
for compiler in gcc gfortran; do
    command -v "$compiler" >/dev/null || fail "$compiler not found"
done
command -v objdump >/dev/null \
    || fail "objdump not found (Debian: apt-get install binutils)"
if [ -n "$vex_pattern" ]; then
    for compiler in gcc gfortran; do
        # (not piped into grep -q: with pipefail, the compiler's SIGPIPE
        # would count as a failure)
        target=$("$compiler" -march="$march" -Q --help=target 2>/dev/null) \
            || fail "$compiler does not accept -march=$march"
        if ! grep -Eq '^\s+-mfma\s+\[enabled\]' <<<"$target"; then
            fail "$compiler -march=$march does not enable FMA (set FMA_MARCH)"
        fi
    done
    cpu=$(awk '$1 == "-march=" {print $2; exit}' <<<"$target")
    say "CPU has FMA; building with -march=$march (gcc: ${cpu:-?}), FMA enabled"
    march_args=(
        --config-settings=setup-args=-Dc_args=-march="$march"
        --config-settings=setup-args=-Dfortran_args=-march="$march"
    )
else
    say "$machine: FMA is always available; building with the default flags"
    march_args=()
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pyminpack-fma.XXXXXX")
if [ "${KEEP_FMA_DIR:-0}" = 1 ]; then
    say "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi

# --- build -----------------------------------------------------------------------
# TEST_VENV=dir installs into that venv instead, as in tools/sanitize.sh.
venv=${TEST_VENV:-$work/venv}
say "venv in $venv"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
venv_python="$venv/bin/python"
"$venv_python" -m pip install --quiet --upgrade pip
"$venv_python" -m pip install --quiet "meson-python>=0.16" meson ninja \
    "numpy>=2.0" pytest hypothesis
# Non-editable, in its own build directory; the test extra brings scipy
# 1.14.1 for the side-by-side bitwise tests.
"$venv_python" -m pip install --quiet --no-build-isolation \
    --config-settings=build-dir="$work/build" \
    ${march_args[@]+"${march_args[@]}"} \
    "$repo[test]"
built=$(date +%s)
say "built in $((built - start)) s"

# --- 3. the build used the flag ------------------------------------------------------
commands="$work/build/compile_commands.json"
[ -f "$commands" ] || fail "no $commands"
# One compile command per source: each of MINPACK's Fortran files in
# minpack/ and the C glue.
"$venv_python" - "$commands" "$march" "${#march_args[@]}" "$repo/minpack" <<'PY' || exit 1
import json, pathlib, sys
commands, march, expect_march = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3] != "0"
vendored = len(list(pathlib.Path(sys.argv[4]).glob("*.f")))
fortran = [c for c in commands if c["file"].endswith(".f")]
c_glue = [c for c in commands if c["file"].endswith(".c")]
if len(fortran) != vendored or not c_glue:
    sys.exit(f"check_fma: FAILED: expected {vendored} Fortran and some C "
             f"compile commands, found {len(fortran)} and {len(c_glue)}")
for entry in fortran + c_glue:
    words = entry["command"].split()
    name = entry["file"].rsplit("/", 1)[-1]
    if expect_march and f"-march={march}" not in words:
        sys.exit(f"check_fma: FAILED: {name} was compiled without -march={march}")
    contract = [w for w in words if w.startswith("-ffp-contract")]
    print(f"check_fma:   {name:12s} {' '.join(contract) or '(no -ffp-contract: the default, fast)'}")
PY
extension=$(cd "$work" && "$venv_python" -c \
    'import pyminpack._minpack as m; print(m.__file__)')
case "$extension" in
    "$venv"/*) ;;
    *) fail "pyminpack._minpack is $extension, not this build's" ;;
esac
disassembly="$work/extension.s"
objdump -d --no-show-raw-insn "$extension" > "$disassembly"
if [ -n "$vex_pattern" ]; then
    vex=$(grep -Ec "$vex_pattern" "$disassembly" || true)
    [ "$vex" -gt 0 ] || fail "no VEX-encoded arithmetic in $extension: -march=$march did not reach the compiler"
    say "the extension is built for the CPU: $vex VEX-encoded scalar double operations"
fi

# --- 4. no fused multiply-add ---------------------------------------------------------
status=0
fused=$(grep -Ec "$fma_pattern" "$disassembly" || true)
if [ "$fused" -eq 0 ]; then
    say "no fused multiply-add instruction in the extension"
else
    echo "check_fma: FAILED: $fused fused multiply-add instructions in the extension" \
         "(is -ffp-contract=off still in meson.build?), e.g.:" >&2
    grep -E "$fma_pattern" "$disassembly" | head -5 >&2
    status=1
fi

# --- 5. the tests ------------------------------------------------------------------
# From a directory that is not the repository, so that `import pyminpack`
# can only be this build.
cd "$work"
tests=0
"$venv_python" -m pytest -p no:cacheprovider -q -c "$repo/pyproject.toml" \
    --rootdir "$repo" "$repo/tests" "$@" || tests=$?
end=$(date +%s)
say "tests took $((end - built)) s; total $((end - start)) s"
if [ "$tests" -ne 0 ]; then
    echo "check_fma: FAILED: the tests failed (status $tests) on the FMA-capable build" >&2
    status=1
fi
[ "$status" -eq 0 ] && say "passed: the results are the same bits with FMA available"
exit $status
