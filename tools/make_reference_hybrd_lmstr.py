#!/usr/bin/env python3
"""Record the MINPACK-1 HYBRD, HYBRJ and LMSTR references of pyminpack.testing.

MINPACK's authors shipped, beside the LMDER/LMDIF drivers that
tools/make_reference.py runs, drivers for the other solvers.  Debian's
source package ``minpack`` (the one tools/vendor_minpack.py checks the
vendored files against) carries them in its ``ex/`` folder:

    file15     HYBRD1 driver, with FCN, VECFCN and INITPT (14 systems of
               nonlinear equations of Moré, Garbow and Hillstrom)
    file16     HYBRJ1 driver, with FCN, VECFCN, VECJAC and INITPT
    file21     their 22 case lines (problem, n, tries): 55 cases
    file18     LMSTR1 driver, with FCN, SSQFCN, SSQJAC and INITPT (the 18
               least-squares problems of the LMDER driver)
    file22     its 28 case lines, LMDER's: 53 cases
    hybrd1.f, hybrj1.f, lmstr1.f   the easy-to-use drivers they call

Each driver is compiled against the vendored ``minpack/*.f`` and run twice,
as tools/make_reference.py does:

* **shipped**: the driver as distributed (calling HYBRD1, HYBRJ1 or
  LMSTR1), its FORMATs printing every double as its bit pattern (Z16.16).
* **direct**: the driver's FCN and problem routines under our own main
  program, which calls HYBRD, HYBRJ or LMSTR with exactly the easy
  driver's arguments (HYBRD1: xtol = sqrt(dpmpar(1)), maxfev = 200(n+1),
  ml = mu = n-1, epsfcn = 0, mode 2 with diag = 1, factor 100; HYBRJ1: the
  same with maxfev = 100(n+1); LMSTR1: ftol = xtol = sqrt(dpmpar(1)),
  gtol = 0, maxfev = 100(n+1), mode 1, factor 100).  This gives the raw
  info (the easy drivers report HYBRD/HYBRJ's 5 and LMSTR's 8 as 4) and
  the final fvec.

The two runs must agree on x, both norms and the counters (checked here).

Compiler flags as in make_reference.py (the project's for MINPACK;
``-fno-tree-vectorize`` for the drivers, so that the problems call the
scalar ``exp`` as ``math.exp`` does; no libmvec symbol is allowed).  One
more for file18: its FCN computes the whole Jacobian when IFLAG = 2 and
reads rows IFLAG-1 >= 2 from that local array in later calls, which only
works with the 1980 static locals, so file18 is compiled with
``-fno-automatic`` instead of ``-frecursive``.

    python tools/make_reference_hybrd_lmstr.py           # rewrite the JSONs
    python tools/make_reference_hybrd_lmstr.py --check   # exit 1 on change

Needs apt, gfortran, nm and the network; CI does not run it.
"""

import argparse
import hashlib
import json
import math
import os
import pathlib
import platform
import re
import sys
import tarfile
import tempfile

from make_reference import (DRIVER_FFLAGS, FFLAGS, bits, compile_minpack,
                            first_line, program_units, render, require, run)
from vendor_minpack import (PACKAGE, UPSTREAM_VERSION, VENDOR_DIR,
                            download_orig_tarball)

DATA = VENDOR_DIR.parent / "src" / "pyminpack" / "testing" / "data"
OUTPUTS = {"equations": DATA / "minpack1_hybrd_reference.json",
           "lmstr": DATA / "minpack1_lmstr_reference.json"}

# solver -> driver file, case file, easy driver, maxfev multiplier
SOLVERS = {
    "hybrd": ("file15", "file21", "hybrd1.f", 200),
    "hybrj": ("file16", "file21", "hybrj1.f", 100),
    "lmstr": ("file18", "file22", "lmstr1.f", 100),
}

LMSTR_DRIVER_FFLAGS = tuple(flag for flag in DRIVER_FFLAGS
                            if flag != "-frecursive") + ("-fno-automatic",)

EQUATIONS_MAIN = """\
      PROGRAM DIRECT
      INTEGER I,K,N,NPROB,NFEV,NJEV,NTRIES,INFO,LR,MAXFEV,ML,MU,MODE,
     *        NPRINT,RNFEV,RNJEV
      DOUBLE PRECISION FACTOR,STEPF,TOL,EPSFCN
      DOUBLE PRECISION X(40),FVEC(40),FJAC(40,40),DIAG(40),R(820),
     *                 QTF(40),WA1(40),WA2(40),WA3(40),WA4(40)
      DOUBLE PRECISION DPMPAR,ENORM
      EXTERNAL FCN
      COMMON /REFNUM/ NPROB,NFEV@NJEV@
      TOL = DSQRT(DPMPAR(1))
      EPSFCN = 0.0D0
      MODE = 2
      STEPF = 1.0D2
      NPRINT = 0
      RNJEV = 0
      NJEV = 0
   10 READ (5,'(3I5)') NPROB,N,NTRIES
      IF (NPROB .LE. 0) STOP
      FACTOR = 1.0D0
      DO 20 K = 1, NTRIES
         CALL INITPT(N,X,NPROB,FACTOR)
         WRITE (6,'(A,4(1X,I0),1X,Z16.16)') 'CASE',NPROB,N,N,K,FACTOR
         WRITE (6,'(A,*(1X,Z16.16))') 'X0',(X(I),I=1,N)
         CALL VECFCN(N,X,FVEC,NPROB)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC0',(FVEC(I),I=1,N)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM0',ENORM(N,FVEC)
         DO 15 I = 1, N
            DIAG(I) = 1.0D0
   15    CONTINUE
         NFEV = 0
         NJEV = 0
         MAXFEV = @MAXFEV@*(N + 1)
         ML = N - 1
         MU = N - 1
         LR = (N*(N + 1))/2
@CALL@
         WRITE (6,'(A,5(1X,I0))') 'RESULT',INFO,RNFEV,RNJEV,NFEV,NJEV
         WRITE (6,'(A,*(1X,Z16.16))') 'X',(X(I),I=1,N)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC',(FVEC(I),I=1,N)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVECX',(FVEC(I),I=1,N)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM',ENORM(N,FVEC)
         FACTOR = 1.0D1*FACTOR
   20    CONTINUE
      GO TO 10
      END
"""

EQUATION_CALLS = {
    "hybrd": """\
         CALL HYBRD(FCN,N,X,FVEC,TOL,MAXFEV,ML,MU,EPSFCN,DIAG,MODE,
     *              STEPF,NPRINT,INFO,RNFEV,FJAC,40,R,LR,QTF,WA1,WA2,
     *              WA3,WA4)""",
    "hybrj": """\
         CALL HYBRJ(FCN,N,X,FVEC,FJAC,40,TOL,MAXFEV,DIAG,MODE,STEPF,
     *              NPRINT,INFO,RNFEV,RNJEV,R,LR,QTF,WA1,WA2,WA3,WA4)""",
}

LMSTR_MAIN = """\
      PROGRAM DIRECT
      INTEGER I,K,M,N,NPROB,NFEV,NJEV,NTRIES,INFO,MAXFEV,MODE,NPRINT,
     *        RNFEV,RNJEV
      INTEGER IPVT(40)
      DOUBLE PRECISION FACTOR,STEPF,TOL,GTOL
      DOUBLE PRECISION X(40),FVEC(65),FJAC(40,40),DIAG(40),QTF(40),
     *                 WA1(40),WA2(40),WA3(40),WA4(65)
      DOUBLE PRECISION DPMPAR,ENORM
      EXTERNAL FCN
      COMMON /REFNUM/ NPROB,NFEV,NJEV
      TOL = DSQRT(DPMPAR(1))
      GTOL = 0.0D0
      MODE = 1
      STEPF = 1.0D2
      NPRINT = 0
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
         NFEV = 0
         NJEV = 0
         MAXFEV = 100*(N + 1)
         CALL LMSTR(FCN,M,N,X,FVEC,FJAC,40,TOL,TOL,GTOL,MAXFEV,DIAG,
     *              MODE,STEPF,NPRINT,INFO,RNFEV,RNJEV,IPVT,QTF,WA1,
     *              WA2,WA3,WA4)
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


def fetch_sources(root):
    """The drivers, case files and easy drivers from the source package."""
    tarball = download_orig_tarball(root)
    wanted = {f"ex/{name}": name for name in
              ("file15", "file16", "file18", "file21", "file22")}
    wanted.update({name: name for name in
                   ("hybrd1.f", "hybrj1.f", "lmstr1.f")})
    texts = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            inner = "/".join(pathlib.PurePosixPath(member.name).parts[1:])
            if inner in wanted:
                texts[wanted[inner]] = tar.extractfile(member).read().decode(
                    "ascii")
    missing = set(wanted.values()) - set(texts)
    require(not missing, f"missing from {tarball.name}: {sorted(missing)}")
    return texts


def hex_formats(main):
    patched, count = re.subn(r"(\d*)D15\.7", r"\1(1X,Z16.16)", main)
    require(count == 4, f"expected 4 D15.7 edit descriptors, patched {count}")
    return patched


def build_and_run(root, label, source, minpack_objects, stdin, flags):
    src, obj, exe = (root / f"{label}{ext}" for ext in (".f", ".o", ""))
    src.write_text(source)
    run(["gfortran", *flags, "-c", str(src), "-o", str(obj)])
    vector_calls = [s for s in run(["nm", "-u", str(obj)]).split()
                    if s.startswith("_ZGV")]
    require(not vector_calls, f"{label} calls libmvec: {vector_calls}")
    run(["gfortran", str(obj), *minpack_objects, "-o", str(exe)])
    return run([str(exe)], input=stdin)


def parse_direct(output):
    cases = []
    for line in output.splitlines():
        tag, *fields = line.split()
        if tag == "CASE":
            cases.append({"problem": int(fields[0]), "n": int(fields[1]),
                          "m": int(fields[2]), "try": int(fields[3]),
                          "factor": bits(fields[4])})
        elif tag == "RESULT":
            cases[-1].update(zip(("info", "nfev", "njev", "count_f",
                                  "count_j"), map(int, fields)))
        elif tag in ("FNORM0", "FNORM"):
            cases[-1][tag.lower()] = bits(fields[0])
        else:
            cases[-1][tag.lower()] = [bits(f) for f in fields]
    return cases


SHIPPED_CASE = re.compile(
    r"PROBLEM\s+(\d+)\s+DIMENSIONS?\s+(\d+)\s+(?:(\d+)\s+)?"
    r"INITIAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"FINAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"NUMBER OF FUNCTION EVALUATIONS\s+(\d+)\s+"
    r"(?:NUMBER OF JACOBIAN EVALUATIONS\s+(\d+)\s+)?"
    r"EXIT PARAMETER\s+(\d+)\s+"
    r"FINAL APPROXIMATE SOLUTION\s+((?:[0-9A-F]{16}\s+)+)")


def parse_shipped(output):
    cases = []
    for p, n, m, f0, f, nfev, njev, info, xs in SHIPPED_CASE.findall(output):
        cases.append({"problem": int(p), "n": int(n),
                      "m": int(m) if m else int(n), "fnorm0": bits(f0),
                      "fnorm": bits(f), "nfev": int(nfev),
                      "njev": int(njev) if njev else 0, "info": int(info),
                      "x": [bits(v) for v in xs.split()]})
    return cases


def merge(solver, line_of_case, direct, shipped):
    require(len(direct) == len(shipped) == len(line_of_case),
            f"{solver}: {len(direct)} direct, {len(shipped)} shipped cases")
    remapped = 8 if solver == "lmstr" else 5
    records = []
    for line, d, s in zip(line_of_case, direct, shipped):
        where = (f"runs disagree: {solver} problem {d['problem']} "
                 f"n={d['n']} factor={d['factor']}")
        require((d["problem"], d["n"], d["m"]) ==
                (s["problem"], s["n"], s["m"]), where)
        require(d["fnorm0"] == s["fnorm0"] and d["fnorm"] == s["fnorm"]
                and d["x"] == s["x"], where)
        require(s["info"] == (4 if d["info"] == remapped else d["info"]),
                where)
        require(d["fvec"] == d["fvecx"], where)
        require(d["nfev"] == d["count_f"] == s["nfev"], where)
        if solver != "hybrd":
            require(d["njev"] == d["count_j"] == s["njev"], where)
        record = {"solver": solver, "line": line, "problem": d["problem"],
                  "n": d["n"]}
        if solver == "lmstr":
            record["m"] = d["m"]
        record.update({"factor": d["factor"], "info": d["info"],
                       "nfev": d["nfev"]})
        if solver != "hybrd":
            record["njev"] = d["njev"]
        record.update({
            "driver_info": s["info"],
            "x0": [v.hex() for v in d["x0"]],
            "fvec0": [v.hex() for v in d["fvec0"]],
            "fnorm0": d["fnorm0"].hex(),
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


def direct_source(solver, problem_units):
    if solver == "lmstr":
        return LMSTR_MAIN + problem_units
    driver, _, _, maxfev = SOLVERS[solver]
    main = (EQUATIONS_MAIN
            .replace("@NJEV@", "" if solver == "hybrd" else ",NJEV")
            .replace("@MAXFEV@", str(maxfev))
            .replace("@CALL@", EQUATION_CALLS[solver]))
    return main + problem_units


def run_solver(root, solver, texts, minpack_objects):
    driver, case_file, easy, _ = SOLVERS[solver]
    lines = case_lines(texts[case_file])
    line_of_case = [i for i, fields in enumerate(lines, 1)
                    for _ in range(fields[-1])]
    units = program_units(texts[driver])
    problem_units = "".join(text for key, text in units.items()
                            if key != "MAIN")
    flags = LMSTR_DRIVER_FFLAGS if solver == "lmstr" else DRIVER_FFLAGS
    shipped = build_and_run(root, f"{solver}_shipped",
                            hex_formats(units["MAIN"]) + problem_units
                            + texts[easy], minpack_objects,
                            texts[case_file], flags)
    direct = build_and_run(root, f"{solver}_direct",
                           direct_source(solver, problem_units),
                           minpack_objects, texts[case_file], flags)
    return lines, merge(solver, line_of_case, parse_direct(direct),
                        parse_shipped(shipped))


def meta(texts, files, about, lines, flags):
    return {
        "about": about,
        "package": f"{PACKAGE} {UPSTREAM_VERSION} (source, ex/)",
        "sha256": {name: hashlib.sha256(texts[name].encode()).hexdigest()
                   for name in files},
        "compiler": first_line(["gfortran", "--version"]),
        "libc": os.confstr("CS_GNU_LIBC_VERSION"),
        "machine": platform.machine(),
        "fflags": list(FFLAGS),
        "driver_fflags": list(flags),
        "tol": math.sqrt(2.22044604926e-16).hex(),
        "lines": lines,
    }


def references():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        texts = fetch_sources(root)
        minpack_objects = compile_minpack(root)
        lines, hybrd = run_solver(root, "hybrd", texts, minpack_objects)
        _, hybrj = run_solver(root, "hybrj", texts, minpack_objects)
        lmstr_lines, lmstr = run_solver(root, "lmstr", texts,
                                        minpack_objects)
    equations = render(meta(
        texts, ("file15", "file16", "file21", "hybrd1.f", "hybrj1.f"),
        "MINPACK-1 test suite for HYBRD and HYBRJ (file15, file16 drivers, "
        "file21 cases) run on the vendored minpack/*.f; written by "
        "tools/make_reference_hybrd_lmstr.py, see its docstring. Doubles "
        "are float.hex strings. info/nfev/njev are HYBRD's/HYBRJ's own "
        "(what fsolve returns with xtol=tol, diag=ones); driver_info is "
        "what the shipped driver prints (HYBRD1/HYBRJ1 map info 5 to 4).",
        lines, DRIVER_FFLAGS), hybrd + hybrj)
    least_squares = render(meta(
        texts, ("file18", "file22", "lmstr1.f"),
        "MINPACK-1 test suite for LMSTR (file18 driver, file22 cases) run "
        "on the vendored minpack/*.f; written by "
        "tools/make_reference_hybrd_lmstr.py, see its docstring. Doubles "
        "are float.hex strings. info/nfev/njev are LMSTR's own (what "
        "leastsq(Dfun_row=...) returns with ftol=xtol=tol); driver_info "
        "is what the shipped driver prints (LMSTR1 maps info 8 to 4).",
        lmstr_lines, LMSTR_DRIVER_FFLAGS), lmstr)
    return {"equations": equations, "lmstr": least_squares}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead")
    options = parser.parse_args()
    status = 0
    for key, text in references().items():
        output = OUTPUTS[key]
        if options.check:
            same = output.exists() and output.read_text() == text
            print(f"{output.name}: {'identical' if same else 'DIFFERS'}")
            status |= not same
        else:
            output.write_text(text)
            print(f"wrote {output} ({len(json.loads(text)['cases'])} cases)")
    return status


if __name__ == "__main__":
    sys.exit(main())
