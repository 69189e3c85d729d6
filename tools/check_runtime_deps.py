#!/usr/bin/env python3
"""Check that pyminpack's C extension needs no Fortran runtime.

MINPACK's optimised objects call nothing in libgfortran, so meson.build links
the extension with the C linker and the wheel needs only libc.  A flag such
as ``-fcheck=bounds`` (the runtime's error reporting) or an edit that does
Fortran I/O would bring in ``_gfortran_*`` symbols, and a Fortran link would add libgfortran
and libquadmath to the extension's NEEDED list; users without gfortran's
runtime would then fail to import it.  This tool catches both:

    python tools/check_runtime_deps.py [EXTENSION.so]

Without an argument it checks the extension of the pyminpack that the
running Python imports.  It reads

- the undefined dynamic symbols (``nm -D --undefined-only``): none may be
  ``_gfortran_*`` or from libquadmath;
- the NEEDED entries (``readelf -d``) and, when ``ldd`` is there, the
  libraries the loader resolves: neither libgfortran nor libquadmath.

The C library's maths (libm) is allowed: CHKDER (check_jacobian) calls
``log10``, so the extension needs libm.so.6 beside libc; it is part of
every manylinux baseline.  The check prints the libm symbols it finds.

Exit status 0 when clean, 1 with the reasons otherwise, 2 when the
extension or the binutils are missing.
"""

import argparse
import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys

FORBIDDEN_LIBRARIES = re.compile(r"lib(gfortran|quadmath)\b")
# libgfortran's entry points, and the symbol versions of both runtimes.
FORBIDDEN_SYMBOLS = re.compile(r"^_gfortran_|@+(GFORTRAN|QUADMATH)_")
# libm functions the extension is known to call (allowed, and listed):
# log10 from CHKDER's DLOG10.
LIBM_SYMBOLS = frozenset({"log10"})


def installed_extension():
    """The path of ``pyminpack/_minpack*.so`` of the importable pyminpack."""
    spec = importlib.util.find_spec("pyminpack")
    if spec is None:
        sys.exit("check_runtime_deps: pyminpack is not installed; "
                 "give the extension's path")
    for folder in spec.submodule_search_locations or ():
        found = sorted(pathlib.Path(folder).glob("_minpack*.so"))
        if found:
            return found[0]
    # An editable install keeps the extension in its build folder.
    import pyminpack._minpack
    return pathlib.Path(pyminpack._minpack.__file__)


def run(tool, *arguments):
    return subprocess.run([tool, *arguments], check=True, text=True,
                          capture_output=True).stdout


def undefined_symbols(extension):
    names = []
    for line in run("nm", "-D", "--undefined-only", str(extension)).splitlines():
        fields = line.split()
        if fields:
            names.append(fields[-1])
    return names


def needed_libraries(extension):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                      run("readelf", "-d", str(extension)))


def resolved_libraries(extension):
    """``ldd``'s lines (the whole closure the loader would map)."""
    return [line.strip() for line in run("ldd", str(extension)).splitlines()
            if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("extension", nargs="?", type=pathlib.Path,
                        help="the built _minpack*.so (default: the "
                             "installed pyminpack's)")
    extension = parser.parse_args().extension or installed_extension()
    if not extension.is_file():
        print(f"check_runtime_deps: no such file: {extension}", file=sys.stderr)
        return 2
    for tool in ("nm", "readelf"):
        if shutil.which(tool) is None:
            print(f"check_runtime_deps: {tool} not found (install binutils)",
                  file=sys.stderr)
            return 2

    symbols = undefined_symbols(extension)
    needed = needed_libraries(extension)
    resolved = resolved_libraries(extension) if shutil.which("ldd") else []

    problems = []
    bad_symbols = [s for s in symbols if FORBIDDEN_SYMBOLS.search(s)]
    if bad_symbols:
        problems.append(
            f"references {len(bad_symbols)} Fortran runtime symbol(s): "
            + ", ".join(bad_symbols[:10])
            + (" ..." if len(bad_symbols) > 10 else "")
            + " (a gfortran flag such as -fcheck=* or Fortran I/O pulls them in)")
    bad_needed = [lib for lib in needed if FORBIDDEN_LIBRARIES.search(lib)]
    if bad_needed:
        problems.append("links " + ", ".join(bad_needed)
                        + " (NEEDED; the extension must be linked with "
                        "link_language: 'c')")
    bad_resolved = [line for line in resolved
                    if FORBIDDEN_LIBRARIES.search(line.split()[0])]
    if bad_resolved and not bad_needed:
        problems.append("loads the Fortran runtime through a dependency: "
                        + "; ".join(bad_resolved))

    print(f"check_runtime_deps: {extension}")
    print(f"  NEEDED: {', '.join(needed) or '(none)'}")
    if resolved:
        print("  ldd:    " + "\n          ".join(resolved))
    print(f"  undefined dynamic symbols: {len(symbols)}, "
          f"Fortran runtime: {len(bad_symbols)}")
    maths = sorted(s for s in symbols if s.split("@")[0] in LIBM_SYMBOLS)
    print(f"  from the C maths library (allowed): {', '.join(maths) or '(none)'}")
    if problems:
        for problem in problems:
            print(f"FAIL: the extension {problem}", file=sys.stderr)
        return 1
    print("OK: no libgfortran or libquadmath needed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
