#!/usr/bin/env python3
"""Verify (or refresh) the vendored netlib MINPACK files in ``minpack/``.

The files come from Debian's source package ``minpack`` at version
19961126+dfsg1, whose orig tarball holds netlib's files unchanged.  This tool
downloads that package with ``apt-get source --download-only`` through a
throw-away apt configuration (a temporary sources list, parts folder and
lists folder passed with ``-o``), so the machine's own apt set-up is never
edited, then compares every vendored file byte for byte.

    python tools/vendor_minpack.py            # verify; exit 1 on any difference
    python tools/vendor_minpack.py --update   # rewrite minpack/*.f from the package

It needs the network and apt; CI does not run it.
"""

import argparse
import hashlib
import pathlib
import subprocess
import sys
import tarfile
import tempfile

PACKAGE = "minpack"
UPSTREAM_VERSION = "19961126+dfsg1"
MIRROR = "http://deb.debian.org/debian"
SUITE = "bookworm"

# The double-precision files lmdif, lmder and lmstr need, hybrd and hybrj
# (behind pyminpack.fsolve), and chkder (the Jacobian check behind
# pyminpack.check_jacobian); nothing else.
FILES = (
    "chkder.f",
    "dogleg.f",
    "dpmpar.f",
    "enorm.f",
    "fdjac1.f",
    "fdjac2.f",
    "hybrd.f",
    "hybrj.f",
    "lmder.f",
    "lmdif.f",
    "lmpar.f",
    "lmstr.f",
    "qform.f",
    "qrfac.f",
    "qrsolv.f",
    "r1mpyq.f",
    "r1updt.f",
    "rwupdt.f",
)

VENDOR_DIR = pathlib.Path(__file__).resolve().parent.parent / "minpack"


def apt_options(root):
    """apt -o options that confine apt's sources and lists to ``root``."""
    return [
        "-o", f"Dir::Etc::SourceList={root / 'sources.list'}",
        "-o", f"Dir::Etc::SourceParts={root / 'parts'}",
        "-o", f"Dir::State::Lists={root / 'lists'}",
        # Running as root with files in a private folder: let apt skip the _apt sandbox user.
        "-o", "APT::Sandbox::User=root",
    ]


def download_orig_tarball(root):
    """Fetch the source package into ``root`` and return its orig tarball."""
    (root / "parts").mkdir()
    (root / "lists" / "partial").mkdir(parents=True)
    (root / "sources.list").write_text(f"deb-src {MIRROR} {SUITE} main\n")
    opts = apt_options(root)
    subprocess.run(["apt-get", "-q", *opts, "update"], check=True,
                   stdout=subprocess.DEVNULL)
    work = root / "download"
    work.mkdir()
    subprocess.run(["apt-get", "-q", *opts, "source", "--download-only", PACKAGE],
                   check=True, cwd=work, stdout=subprocess.DEVNULL)
    tarball = work / f"{PACKAGE}_{UPSTREAM_VERSION}.orig.tar.gz"
    if not tarball.exists():
        found = sorted(p.name for p in work.iterdir())
        sys.exit(f"expected {tarball.name}, apt fetched: {found}")
    return tarball


def upstream_files(tarball):
    """Map each file name in FILES to its bytes in the orig tarball."""
    contents = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            name = pathlib.PurePosixPath(member.name)
            # Files sit at the top of the package folder, e.g. minpack-19961126/lmdif.f
            if len(name.parts) == 2 and name.name in FILES:
                contents[name.name] = tar.extractfile(member).read()
    missing = set(FILES) - set(contents)
    if missing:
        sys.exit(f"not in {tarball.name}: {sorted(missing)}")
    return contents


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="rewrite the vendored files from the package")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        upstream = upstream_files(download_orig_tarball(pathlib.Path(tmp)))

    differing = 0
    for name in FILES:
        data = upstream[name]
        digest = hashlib.sha256(data).hexdigest()
        target = VENDOR_DIR / name
        if options.update:
            target.write_bytes(data)
            print(f"wrote     {name}  sha256 {digest}")
        elif target.exists() and target.read_bytes() == data:
            print(f"identical {name}  sha256 {digest}")
        else:
            differing += 1
            print(f"DIFFERS   {name}  upstream sha256 {digest}")
    if differing:
        print(f"{differing} vendored file(s) differ from {PACKAGE} {UPSTREAM_VERSION}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
