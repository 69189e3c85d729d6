#!/usr/bin/env python3
"""Record the MINPACK-1 HYBRD reference of pyminpack.testing from MINPACK-1's own driver.

MINPACK's authors shipped a driver that runs HYBRD1 on 14 systems of
nonlinear equations of Moré, Garbow and Hillstrom (1981) from standard
starting points scaled by 1, 10 and 100: 22 lines of (problem, n, tries) in
``file21``, 55 cases.  Debian's source package ``minpack`` (the one
tools/vendor_minpack.py checks the vendored files against) carries them in
its ``ex/`` folder:

    file15     double-precision HYBRD1 driver, with FCN, VECFCN and INITPT
    file21     the 22 case lines
    hybrd1.f   HYBRD1, the easy-to-use driver of HYBRD

This tool fetches that package as vendor_minpack.py does, compiles the
driver against the vendored ``minpack/*.f`` and runs it twice, as
tools/make_reference.py does for LMDER/LMDIF:

* **shipped**: file15 exactly as distributed (calling HYBRD1), except that
  its FORMATs print every double as its 64-bit pattern (``Z16.16``).
* **direct**: file15's FCN, VECFCN and INITPT under our own main program,
  which calls HYBRD with exactly HYBRD1's arguments: xtol = sqrt(dpmpar(1)),
  maxfev = 200*(n+1), ml = mu = n-1, epsfcn = 0, mode = 2 with diag = 1,
  factor = 100, nprint = 0.  This gives HYBRD's raw info (HYBRD1 reports 5
  as 4) and the final fvec.

The two runs must agree on x, both norms and the call count (checked here).
fsolve(func, x0, xtol=tol, diag=ones) makes exactly that HYBRD call.

Compiler flags as in make_reference.py: the project's for MINPACK, and
``-fno-tree-vectorize`` for the driver, so VECFCN calls the scalar ``exp``
as the Python translation (``math.exp``) does; the tool checks that the
driver object references no libmvec (``_ZGV``) symbol.

    python tools/make_reference_hybrd.py           # rewrite the JSON
    python tools/make_reference_hybrd.py --check   # exit 1 if it would change

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

from make_reference import (DRIVER_FFLAGS, FFLAGS, bits, build_and_run,
                            compile_minpack, first_line, program_units,
                            render, require)
from vendor_minpack import (PACKAGE, UPSTREAM_VERSION, VENDOR_DIR,
                            download_orig_tarball)

OUTPUT = (VENDOR_DIR.parent / "src" / "pyminpack" / "testing" / "data"
          / "minpack1_hybrd_reference.json")

DIRECT_MAIN = """\
      PROGRAM DIRECT
      INTEGER I,K,N,NPROB,NFEV,NTRIES,INFO,LR,MAXFEV,ML,MU,MODE,NPRINT,
     *        RNFEV
      DOUBLE PRECISION FACTOR,STEPF,TOL,EPSFCN
      DOUBLE PRECISION X(40),FVEC(40),FJAC(40,40),DIAG(40),R(820),
     *                 QTF(40),WA1(40),WA2(40),WA3(40),WA4(40)
      DOUBLE PRECISION DPMPAR,ENORM
      EXTERNAL FCN
      COMMON /REFNUM/ NPROB,NFEV
C     The arguments HYBRD1 passes.
      TOL = DSQRT(DPMPAR(1))
      EPSFCN = 0.0D0
      MODE = 2
      STEPF = 1.0D2
      NPRINT = 0
   10 READ (5,'(3I5)') NPROB,N,NTRIES
      IF (NPROB .LE. 0) STOP
      FACTOR = 1.0D0
      DO 20 K = 1, NTRIES
         CALL INITPT(N,X,NPROB,FACTOR)
         WRITE (6,'(A,3(1X,I0),1X,Z16.16)') 'CASE',NPROB,N,K,FACTOR
         WRITE (6,'(A,*(1X,Z16.16))') 'X0',(X(I),I=1,N)
         CALL VECFCN(N,X,FVEC,NPROB)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC0',(FVEC(I),I=1,N)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM0',ENORM(N,FVEC)
         DO 15 I = 1, N
            DIAG(I) = 1.0D0
   15    CONTINUE
         NFEV = 0
         MAXFEV = 200*(N + 1)
         ML = N - 1
         MU = N - 1
         LR = (N*(N + 1))/2
         CALL HYBRD(FCN,N,X,FVEC,TOL,MAXFEV,ML,MU,EPSFCN,DIAG,MODE,
     *              STEPF,NPRINT,INFO,RNFEV,FJAC,40,R,LR,QTF,WA1,WA2,
     *              WA3,WA4)
         WRITE (6,'(A,3(1X,I0))') 'RESULT',INFO,RNFEV,NFEV
         WRITE (6,'(A,*(1X,Z16.16))') 'X',(X(I),I=1,N)
         WRITE (6,'(A,*(1X,Z16.16))') 'FVEC',(FVEC(I),I=1,N)
         WRITE (6,'(A,1X,Z16.16)') 'FNORM',ENORM(N,FVEC)
         FACTOR = 1.0D1*FACTOR
   20    CONTINUE
      GO TO 10
      END
"""


def fetch_examples(root):
    """file15, file21 and hybrd1.f from the minpack source package."""
    tarball = download_orig_tarball(root)
    wanted = {"ex/file15": "file15", "ex/file21": "file21",
              "hybrd1.f": "hybrd1.f"}
    texts = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            inner = "/".join(pathlib.PurePosixPath(member.name).parts[1:])
            if inner in wanted:
                texts[wanted[inner]] = tar.extractfile(member).read().decode(
                    "ascii")
    require(set(texts) == set(wanted.values()),
            f"missing from {tarball.name}: {set(wanted.values()) - set(texts)}")
    return texts


def hex_formats(main):
    patched, count = re.subn(r"(\d*)D15\.7", r"\1(1X,Z16.16)", main)
    require(count == 4, f"expected 4 D15.7 edit descriptors, patched {count}")
    return patched


def parse_direct(output):
    cases = []
    for line in output.splitlines():
        tag, *fields = line.split()
        if tag == "CASE":
            cases.append({"problem": int(fields[0]), "n": int(fields[1]),
                          "try": int(fields[2]), "factor": bits(fields[3])})
        elif tag == "RESULT":
            cases[-1].update(zip(("info", "nfev", "count_f"),
                                 map(int, fields)))
        elif tag in ("FNORM0", "FNORM"):
            cases[-1][tag.lower()] = bits(fields[0])
        else:
            cases[-1][tag.lower()] = [bits(f) for f in fields]
    return cases


SHIPPED_CASE = re.compile(
    r"PROBLEM\s+(\d+)\s+DIMENSION\s+(\d+)\s+"
    r"INITIAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"FINAL L2 NORM OF THE RESIDUALS\s+(\w{16})\s+"
    r"NUMBER OF FUNCTION EVALUATIONS\s+(\d+)\s+"
    r"EXIT PARAMETER\s+(\d+)\s+"
    r"FINAL APPROXIMATE SOLUTION\s+((?:[0-9A-F]{16}\s+)+)")


def parse_shipped(output):
    return [{"problem": int(p), "n": int(n), "fnorm0": bits(f0),
             "fnorm": bits(f), "nfev": int(nfev), "info": int(info),
             "x": [bits(v) for v in xs.split()]}
            for p, n, f0, f, nfev, info, xs in SHIPPED_CASE.findall(output)]


def merge(line_of_case, direct, shipped):
    require(len(direct) == len(shipped) == len(line_of_case),
            f"{len(direct)} direct, {len(shipped)} shipped cases")
    records = []
    for line, d, s in zip(line_of_case, direct, shipped):
        where = (f"runs disagree: problem {d['problem']} n={d['n']} "
                 f"factor={d['factor']}")
        require((d["problem"], d["n"]) == (s["problem"], s["n"]), where)
        require(d["fnorm0"] == s["fnorm0"] and d["fnorm"] == s["fnorm"]
                and d["x"] == s["x"], where)
        require(s["info"] == (4 if d["info"] == 5 else d["info"]), where)
        require(d["nfev"] == d["count_f"] == s["nfev"], where)
        records.append({
            "solver": "hybrd", "line": line, "problem": d["problem"],
            "n": d["n"], "factor": d["factor"], "info": d["info"],
            "nfev": d["nfev"], "driver_info": s["info"],
            "x0": [v.hex() for v in d["x0"]],
            "fvec0": [v.hex() for v in d["fvec0"]],
            "fnorm0": d["fnorm0"].hex(),
            "x": [v.hex() for v in d["x"]],
            "fvec": [v.hex() for v in d["fvec"]],
            "fnorm": d["fnorm"].hex(),
        })
    return records


def case_lines(text):
    lines = []
    for row in text.splitlines():
        fields = [int(v) for v in row.split()]
        if fields[0] <= 0:
            break
        lines.append(fields)
    return lines


def reference():
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        texts = fetch_examples(root)
        lines = case_lines(texts["file21"])
        line_of_case = [i for i, (_, _, tries) in enumerate(lines, 1)
                        for _ in range(tries)]
        minpack_objects = compile_minpack(root)
        units = program_units(texts["file15"])
        problem_units = "".join(text for key, text in units.items()
                                if key != "MAIN")
        shipped_src = (hex_formats(units["MAIN"]) + problem_units
                       + texts["hybrd1.f"])
        shipped = build_and_run(root, "hybrd_shipped", shipped_src,
                                minpack_objects, texts["file21"])
        direct = build_and_run(root, "hybrd_direct",
                               DIRECT_MAIN + problem_units, minpack_objects,
                               texts["file21"])
        cases = merge(line_of_case, parse_direct(direct),
                      parse_shipped(shipped))
    meta = {
        "about": "MINPACK-1 test suite for HYBRD (file15 driver, file21 "
                 "cases) run on the vendored minpack/*.f; written by "
                 "tools/make_reference_hybrd.py, see its docstring. Doubles "
                 "are float.hex strings. info/nfev are HYBRD's own (what "
                 "fsolve returns with xtol=tol, diag=ones); driver_info is "
                 "what the shipped driver prints (HYBRD1 maps info 5 to 4).",
        "package": f"{PACKAGE} {UPSTREAM_VERSION} (source, ex/)",
        "sha256": {name: hashlib.sha256(texts[name].encode()).hexdigest()
                   for name in ("file15", "file21", "hybrd1.f")},
        "compiler": first_line(["gfortran", "--version"]),
        "libc": os.confstr("CS_GNU_LIBC_VERSION"),
        "machine": platform.machine(),
        "fflags": list(FFLAGS),
        "driver_fflags": list(DRIVER_FFLAGS),
        "tol": math.sqrt(2.22044604926e-16).hex(),
        "lines": lines,
    }
    return render(meta, cases)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed file instead")
    options = parser.parse_args()
    text = reference()
    if options.check:
        same = OUTPUT.exists() and OUTPUT.read_text() == text
        print(f"{OUTPUT.name}: {'identical' if same else 'DIFFERS'}")
        return 0 if same else 1
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT} ({len(json.loads(text)['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
