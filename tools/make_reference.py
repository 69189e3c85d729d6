#!/usr/bin/env python3
"""Regenerate the MINPACK-1 reference of pyminpack.testing from MINPACK-1's own suite.

MINPACK's authors shipped drivers that run LMDER and LMDIF on 18 problems of
Moré, Garbow and Hillstrom (1981) from standard starting points scaled by 1,
10 and 100: 28 lines of (problem, n, m, tries) in ``file22``, 53 cases per
solver.  Debian's binary package ``minpack-dev`` carries them under
/usr/share/doc/minpack-dev/examples/ (``index.html`` there names each file):

    file17.gz  double-precision LMDER driver, with SSQFCN, SSQJAC and INITPT
    file19.gz  double-precision LMDIF driver, with SSQFCN and INITPT
    file22     the 28 case lines
    file05.gz  MINPACK-1 in one file; only LMDER1 and LMDIF1 are taken from it

This tool downloads that package (``apt-get download``, the machine's own apt
lists), unpacks it with ``dpkg-deb -x`` into a temporary folder, compiles the
drivers against the vendored ``minpack/*.f`` and runs each one twice:

* **shipped**: the driver exactly as distributed, calling LMDER1/LMDIF1,
  except that its output FORMATs print every double as its 64-bit pattern
  (``Z16.16``) instead of ``D15.7``.  This gives the suite's own counters.
* **direct**: the driver's problem routines (and its FCN, which counts calls
  in COMMON /REFNUM/) under our own main program (``DIRECT_MAIN`` below),
  which calls LMDER/LMDIF directly with exactly the arguments LMDER1/LMDIF1
  pass: ftol = xtol = sqrt(dpmpar(1)), gtol = 0, maxfev = 100*(n+1) (LMDER)
  or 200*(n+1) (LMDIF), epsfcn = 0, mode = 1, factor = 100, nprint = 0.
  This exposes what ``leastsq`` returns and the drivers hide: the raw info
  (LMDER1/LMDIF1 report 8 as 4) and LMDIF's own nfev (the LMDIF driver counts
  only IFLAG = 1 calls, leaving out the finite-difference ones).

The two runs must agree on x, both norms and the counters (checked here), so
the direct main program is shown to be the shipped driver minus its two
blind spots.  No third-party code is written to the repository: the drivers
live only in the temporary folder.

Compiler flags.  MINPACK gets the project's flags (``FFLAGS``).  The driver
file additionally gets ``-fno-tree-vectorize``: at -O2 gfortran vectorises
loops calling ``exp`` and then calls glibc's vector exp (libmvec, ``_ZGV*``
symbols), which differs from the scalar ``exp`` in the last bit now and then
and changes the Meyer problem (10) — LMDER from the standard start ends with
info 3 instead of 2.  pyminpack's Python translation of the problems
(src/pyminpack/testing/_minpack1_problems.py) calls the scalar ``exp`` through ``math.exp``,
so the reference is built the same way; the tool checks that the driver
object references no ``_ZGV`` symbol.  ``-ffixed-line-length-none`` lets the
patched FORMATs run past column 72.

Output: every case with its solver, problem, n, m, factor, raw info, nfev,
njev (LMDER), the shipped driver's info and counters, the starting point, the
residuals and (LMDER) Jacobian there, the initial and final residual norms
(ENORM in Fortran), the final x and final fvec.  Doubles are ``float.hex``
strings, i.e. exact.  The file holds no time stamp, so regenerating on the
same machine reproduces it byte for byte (``--check``).

    python tools/make_reference.py           # rewrite the JSON
    python tools/make_reference.py --check   # exit 1 if the JSON would change

Needs apt, dpkg-deb, gfortran and nm (binutils) and the network; CI does not
run it.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import pathlib
import platform
import re
import struct
import subprocess
import sys
import tempfile

from vendor_minpack import FILES as MINPACK_FILES, VENDOR_DIR

PACKAGE = "minpack-dev"
EXAMPLES = pathlib.PurePosixPath("usr/share/doc/minpack-dev/examples")
OUTPUT = (VENDOR_DIR.parent / "src" / "pyminpack" / "testing" / "data"
          / "minpack1_reference.json")

# The project's Fortran flags (meson.build's minpack_fortran_args): no FMA
# contraction, no fast-math, locals on the stack; -std=legacy for the 1980 code.
FFLAGS = ("-O2", "-frecursive", "-ffp-contract=off", "-fno-fast-math", "-std=legacy")
# The drivers' problem routines must call the scalar exp, as math.exp does.
DRIVER_FFLAGS = FFLAGS + ("-fno-tree-vectorize", "-ffixed-line-length-none")

# solver -> (driver file, its LMxxx1 routine, maxfev multiplier of LMxxx1)
SOLVERS = {
    "lmder": ("file17", "LMDER1", 100),
    "lmdif": ("file19", "LMDIF1", 200),
}

# Our main program for the "direct" run (fixed form).  It repeats the shipped
# driver's loop around the solver, but calls LMDER/LMDIF itself and writes one
# tagged line per quantity, doubles as bit patterns.  FCN, INITPT, SSQFCN and
# SSQJAC come from the driver file.
DIRECT_MAIN = """\
      PROGRAM DIRECT
      INTEGER I,J,K,M,N,NPROB,NFEV,NJEV,NTRIES,INFO,LDFJAC,MAXFEV,MODE,
     *        NPRINT,RNFEV,RNJEV
      INTEGER IPVT(40)
      DOUBLE PRECISION FACTOR,STEPF,TOL,FTOL,XTOL,GTOL,EPSFCN
      DOUBLE PRECISION X(40),FVEC(65),FJAC(65,40),DIAG(40),QTF(40),
     *                 WA1(40),WA2(40),WA3(40),WA4(65)
      DOUBLE PRECISION DPMPAR,ENORM
      EXTERNAL FCN
      COMMON /REFNUM/ NPROB,NFEV,NJEV
C     The arguments LMDER1 and LMDIF1 pass.
      TOL = DSQRT(DPMPAR(1))
      FTOL = TOL
      XTOL = TOL
      GTOL = 0.0D0
      EPSFCN = 0.0D0
      MODE = 1
      STEPF = 1.0D2
      NPRINT = 0
      LDFJAC = 65
      RNJEV = 0
   10 READ (5,'(4I5)') NPROB,N,M,NTRIES
      IF (NPROB .LE. 0) STOP
      FACTOR = 1.0D0
      DO 20 K = 1, NTRIES
         CALL INITPT(N,X,NPROB,FACTOR)
         WRITE (6,'(A,4(1X,I0),1X,Z16.16)') 'CASE',NPROB,N,M,K,FACTOR
         WRITE (6,'(A,*(1X,Z16.16))') 'X0',(X(I),I=1,N)
         CALL SSQFCN(M,N,X,FVEC,NPROB)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC0',(FVEC(I),I=1,M)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM0',ENORM(M,FVEC)
@JAC0@
         NFEV = 0
         NJEV = 0
         MAXFEV = @MAXFEV@*(N + 1)
@CALL@
         WRITE (6,'(A,5(1X,I0))') 'RESULT',INFO,RNFEV,RNJEV,NFEV,NJEV
         WRITE (6,'(A,*(1X,Z16.16))') 'X',(X(I),I=1,N)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC',(FVEC(I),I=1,M)
C        As the shipped driver does: evaluate again at x, then the norm.
         CALL SSQFCN(M,N,X,FVEC,NPROB)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVECX',(FVEC(I),I=1,M)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM',ENORM(M,FVEC)
         FACTOR = 1.0D1*FACTOR
   20    CONTINUE
      GO TO 10
      END
"""

# LMDER's run also records the Jacobian at the starting point.
JAC0 = """\
         CALL SSQJAC(M,N,X,FJAC,LDFJAC,NPROB)
         WRITE (6,'(A,*(1X,Z16.16))') 'JAC0',((FJAC(I,J),I=1,M),J=1,N)"""

DIRECT_CALLS = {
    "lmder": """\
         CALL LMDER(FCN,M,N,X,FVEC,FJAC,LDFJAC,FTOL,XTOL,GTOL,MAXFEV,
     *              DIAG,MODE,STEPF,NPRINT,INFO,RNFEV,RNJEV,IPVT,QTF,
     *              WA1,WA2,WA3,WA4)""",
    "lmdif": """\
         CALL LMDIF(FCN,M,N,X,FVEC,FTOL,XTOL,GTOL,MAXFEV,EPSFCN,DIAG,
     *              MODE,STEPF,NPRINT,INFO,RNFEV,FJAC,LDFJAC,IPVT,QTF,
     *              WA1,WA2,WA3,WA4)""",
}


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs).stdout


def require(condition, what):
    """A check that also holds under python -O."""
    if not condition:
        sys.exit(f"make_reference: {what}")


# --- fetching ---------------------------------------------------------------

def fetch_examples(root):
    """Download and unpack minpack-dev; return (version, {name: text})."""
    try:
        run(["apt-get", "-q", "-o", "APT::Sandbox::User=root", "download", PACKAGE], cwd=root)
    except subprocess.CalledProcessError as err:
        sys.exit(f"apt-get download {PACKAGE} failed (apt-get update first?):\n{err.stderr}")
    (deb,) = root.glob(f"{PACKAGE}_*.deb")
    version = run(["dpkg-deb", "-f", str(deb), "Version"]).strip()
    run(["dpkg-deb", "-x", str(deb), str(root / "pkg")])
    examples = root / "pkg" / EXAMPLES
    texts = {}
    for name in ("file05", "file17", "file19", "file22"):
        plain, packed = examples / name, examples / f"{name}.gz"
        data = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
        texts[name] = data.decode("ascii")
    return version, texts


# --- Fortran surgery --------------------------------------------------------

END_LINE = re.compile(r"^ {6}\s*END\s*$", re.IGNORECASE)
UNIT_NAME = re.compile(r"^ {6}\s*(?:DOUBLE PRECISION\s+)?(?:SUBROUTINE|FUNCTION)\s+(\w+)",
                       re.IGNORECASE)


def program_units(source):
    """Split fixed-form source into {name: text}; the main program is 'MAIN'."""
    units, current = {}, []
    for line in source.splitlines(keepends=True):
        current.append(line)
        if END_LINE.match(line):
            text = "".join(current)
            named = [m.group(1).upper() for m in map(UNIT_NAME.match, current) if m]
            units[named[0] if named else "MAIN"] = text
            current = []
    return units


def hex_formats(main):
    """The shipped main program with its D15.7 outputs printed as bit patterns."""
    patched, count = re.subn(r"(\d*)D15\.7", r"\1(1X,Z16.16)", main)
    require(count == 4, f"expected 4 D15.7 edit descriptors, patched {count}")
    return patched


def driver_sources(solver, texts):
    """Fortran source of the shipped and the direct program for one solver."""
    name, routine, maxfev = SOLVERS[solver]
    units = program_units(texts[name])
    problem_units = "".join(text for key, text in units.items() if key != "MAIN")
    library_units = program_units(texts["file05"])
    shipped = hex_formats(units["MAIN"]) + problem_units + library_units[routine]
    direct = (DIRECT_MAIN
              .replace("@JAC0@", JAC0 if solver == "lmder" else "C")
              .replace("@MAXFEV@", str(maxfev))
              .replace("@CALL@", DIRECT_CALLS[solver])) + problem_units
    return shipped, direct


# --- building and running ---------------------------------------------------

def compile_minpack(root):
    objects = []
    for name in MINPACK_FILES:
        obj = root / (name[:-2] + ".o")
        run(["gfortran", *FFLAGS, "-c", str(VENDOR_DIR / name), "-o", str(obj)])
        objects.append(str(obj))
    return objects


def build_and_run(root, label, source, minpack_objects, stdin):
    src, obj, exe = (root / f"{label}{ext}" for ext in (".f", ".o", ""))
    src.write_text(source)
    run(["gfortran", *DRIVER_FFLAGS, "-c", str(src), "-o", str(obj)])
    vector_calls = [s for s in run(["nm", "-u", str(obj)]).split() if s.startswith("_ZGV")]
    require(not vector_calls, f"{label} calls libmvec: {vector_calls}")
    run(["gfortran", str(obj), *minpack_objects, "-o", str(exe)])
    return run([str(exe)], input=stdin)


def bits(token):
    """A Z16.16 field as a Python float."""
    return struct.unpack(">d", bytes.fromhex(token))[0]


def parse_direct(output):
    cases = []
    for line in output.splitlines():
        tag, *fields = line.split()
        if tag == "CASE":
            cases.append({"problem": int(fields[0]), "n": int(fields[1]), "m": int(fields[2]),
                          "try": int(fields[3]), "factor": bits(fields[4])})
        elif tag == "RESULT":
            cases[-1].update(zip(("info", "nfev", "njev", "count_f", "count_j"), map(int, fields)))
        elif tag in ("FNORM0", "FNORM"):
            cases[-1][tag.lower()] = bits(fields[0])
        else:
            cases[-1][tag.lower()] = [bits(f) for f in fields]
    return cases


SHIPPED_CASE = re.compile(
    r"PROBLEM\s+(\d+)\s+DIMENSIONS\s+(\d+)\s+(\d+)\s+"
    r"INITIAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"FINAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"NUMBER OF FUNCTION EVALUATIONS\s+(\d+)\s+"
    r"NUMBER OF JACOBIAN EVALUATIONS\s+(\d+)\s+"
    r"EXIT PARAMETER\s+(\d+)\s+"
    r"FINAL APPROXIMATE SOLUTION\s+((?:[0-9A-F]{16}\s+)+)")


def parse_shipped(output):
    cases = []
    for match in SHIPPED_CASE.finditer(output):
        problem, n, m, fnorm0, fnorm, nfev, njev, info, xs = match.groups()
        cases.append({"problem": int(problem), "n": int(n), "m": int(m),
                      "fnorm0": bits(fnorm0), "fnorm": bits(fnorm), "nfev": int(nfev),
                      "njev": int(njev), "info": int(info), "x": [bits(x) for x in xs.split()]})
    return cases


# --- assembling the reference -----------------------------------------------

def merge(solver, line_of_case, direct, shipped):
    """One JSON record per case; checks the two runs tell the same story."""
    require(len(direct) == len(shipped) == len(line_of_case),
            f"{solver}: {len(direct)} direct, {len(shipped)} shipped cases")
    records = []
    for line, d, s in zip(line_of_case, direct, shipped):
        where = f"runs disagree: {solver} problem {d['problem']} n={d['n']} factor={d['factor']}"
        require((d["problem"], d["n"], d["m"]) == (s["problem"], s["n"], s["m"]), where)
        require(d["fnorm0"] == s["fnorm0"] and d["fnorm"] == s["fnorm"] and d["x"] == s["x"], where)
        require(s["info"] == (4 if d["info"] == 8 else d["info"]), where)
        require(d["fvec"] == d["fvecx"], where)  # MINPACK returns fvec at the returned x
        require(d["count_f"] == s["nfev"], where)
        if solver == "lmder":
            require((d["nfev"], d["njev"]) == (s["nfev"], s["njev"]) == (d["count_f"], d["count_j"]), where)
        else:
            # LMDIF's nfev also counts the n calls per forward-difference Jacobian.
            require(d["count_j"] == d["n"] * s["njev"], where)
            require(d["nfev"] == d["count_f"] + d["count_j"], where)
        record = {
            "solver": solver, "line": line, "problem": d["problem"], "n": d["n"], "m": d["m"],
            "factor": d["factor"], "info": d["info"], "nfev": d["nfev"],
        }
        if solver == "lmder":
            record["njev"] = d["njev"]
        record.update({
            "driver_info": s["info"], "driver_nfev": s["nfev"], "driver_njev": s["njev"],
            "x0": [v.hex() for v in d["x0"]],
            "fvec0": [v.hex() for v in d["fvec0"]],
            "fnorm0": d["fnorm0"].hex(),
        })
        if solver == "lmder" and d["try"] == 1:
            # Only from the standard starting point, to keep the file small.
            # Printed column by column (Fortran order); stored as m rows of n.
            n, m = d["n"], d["m"]
            record["jac0"] = [[d["jac0"][j * m + i].hex() for j in range(n)] for i in range(m)]
        record.update({
            "x": [v.hex() for v in d["x"]],
            "fvec": [v.hex() for v in d["fvec"]],
            "fnorm": d["fnorm"].hex(),
        })
        records.append(record)
    return records


def case_lines(text):
    lines = []
    for row in text.splitlines():
        fields = [int(v) for v in row.split()]
        if fields[0] <= 0:
            break
        lines.append(fields)
    return lines


def first_line(cmd):
    return run(cmd).splitlines()[0]


def reference():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        version, texts = fetch_examples(root)
        lines = case_lines(texts["file22"])
        line_of_case = [i for i, (_, _, _, tries) in enumerate(lines, 1) for _ in range(tries)]
        minpack_objects = compile_minpack(root)
        cases = []
        for solver in SOLVERS:
            shipped_src, direct_src = driver_sources(solver, texts)
            shipped = build_and_run(root, f"{solver}_shipped", shipped_src, minpack_objects,
                                    texts["file22"])
            direct = build_and_run(root, f"{solver}_direct", direct_src, minpack_objects,
                                   texts["file22"])
            cases += merge(solver, line_of_case, parse_direct(direct), parse_shipped(shipped))
    meta = {
        "about": "MINPACK-1 test suite (file17 LMDER, file19 LMDIF, file22 cases) run on the "
                 "vendored minpack/*.f; written by tools/make_reference.py, see its docstring. "
                 "Doubles are float.hex strings. info/nfev/njev are LMDER's/LMDIF's own "
                 "(what leastsq returns); jac0 (LMDER, factor 1 only) is SSQJAC at x0, rows i, "
                 "columns j; driver_* are what the shipped driver prints "
                 "(LMDER1/LMDIF1 map info 8 to 4; the LMDIF driver counts IFLAG=1 calls "
                 "as nfev and IFLAG=2 calls divided by n as njev).",
        "package": f"{PACKAGE} {version}",
        "sha256": {name: hashlib.sha256(texts[name].encode()).hexdigest()
                   for name in ("file17", "file19", "file22")},
        "compiler": first_line(["gfortran", "--version"]),
        "libc": os.confstr("CS_GNU_LIBC_VERSION"),
        "machine": platform.machine(),
        "fflags": list(FFLAGS),
        "driver_fflags": list(DRIVER_FFLAGS),
        "tol": math.sqrt(2.22044604926e-16).hex(),  # sqrt(dpmpar(1))
        "lines": lines,
    }
    return render(meta, cases)


def render(meta, cases):
    """JSON with one entry per line and one case per line: small diffs, one json.load."""
    head = "".join(f" {json.dumps(key)}: {json.dumps(value)},\n" for key, value in meta.items())
    body = ",\n".join("  " + json.dumps(case) for case in cases)
    return f"{{\n{head} \"cases\": [\n{body}\n ]\n}}\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed file instead of writing it")
    options = parser.parse_args()
    text = reference()
    if options.check:
        same = OUTPUT.exists() and OUTPUT.read_text() == text
        print(f"{OUTPUT.name}: {'identical' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({len(json.loads(text)['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
