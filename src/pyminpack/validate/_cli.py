"""``python -m pyminpack.validate``: the command line and its report."""

import argparse
import collections
import importlib
import json
import pathlib
import sys
import time
import unicodedata

from .._version import __version__
from ..testing import minpack1_cases, minpack1_equation_cases, nist_cases
from ..testing._minpack1 import raw_reference
from ._files import (cases_document, reference_results_document,
                     report_document)
from ._results_file import ResultsFileError, read_results
from ._equations import is_fsolve_shaped, validate_fsolve_target
from ._validate import References, compare_results, validate_target
from ._verdict import EXACT, SAME, SAME_MAX_ULPS

SUITES = {"minpack1": "MINPACK-1", "nist": "NIST StRD",
          "minpack1-hybrd": "MINPACK-1"}

DESCRIPTION = """\
Check a MINPACK (a leastsq-compatible Python function, or results a port
wrote) against the original Fortran MINPACK on MINPACK-1's 53 test cases
and NIST's 54 StRD cases, each with and without the Jacobian.  An
fsolve-compatible function (one that takes fprime) is checked on
MINPACK-1's 55 HYBRD/HYBRJ cases instead, with and without fprime."""

EPILOG = """\
exit status: 0 when every run is EXACT (or SAME within --allow ulps),
1 when some run is not, 2 for a bad target or a malformed file.
examples:
  python -m pyminpack.validate scipy.optimize:leastsq
  python -m pyminpack.validate scipy.optimize:leastsq --json report.json
  python -m pyminpack.validate scipy.optimize:fsolve
  python -m pyminpack.validate --export cases/     # for a port in C, Rust...
  python -m pyminpack.validate --compare my_port_results.json"""


def _parser():
    parser = argparse.ArgumentParser(
        prog="python -m pyminpack.validate", description=DESCRIPTION,
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", metavar="MODULE:FUNCTION",
                        help="a leastsq-compatible function to run, e.g. "
                             "scipy.optimize:leastsq")
    parser.add_argument("--json", metavar="FILE", type=pathlib.Path,
                        help="also write the report as JSON")
    parser.add_argument("--allow", metavar="ULPS", type=int, default=0,
                        help="let SAME runs pass whose x is within ULPS "
                             "ulps of the reference's and fvec within ULPS "
                             "ulps (of the residuals' scale) of the "
                             "residuals at x (default 0: only EXACT "
                             "passes)")
    parser.add_argument("--export", metavar="DIR", type=pathlib.Path,
                        help="write the cases and reference results as JSON "
                             "(cases.json, reference_results.json) and stop")
    parser.add_argument("--compare", metavar="RESULTS.json",
                        type=pathlib.Path,
                        help="judge the results a port wrote for the "
                             "exported cases instead of running a target")
    parser.add_argument("--suite", choices=("all", *SUITES), default="all",
                        help="which cases (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="a line for every run, EXACT ones too")
    return parser


# Unicode's control, format (bidi overrides, zero-width), surrogate and
# line/paragraph separator characters: what moves a terminal's cursor,
# rewrites a line or reorders it, or cannot be encoded.
_UNPRINTABLE = frozenset(("Cc", "Cf", "Cs", "Zl", "Zp"))


def printable(text):
    """``text`` with its unprintable characters escaped as Python writes
    them in a string literal (``\\x1b``, ``\\u202e``): a results file's
    target, a target's exception or a path are not trusted with the
    terminal."""
    return "".join(_escaped(c) if unicodedata.category(c) in _UNPRINTABLE
                   else c for c in text)


def _escaped(char):
    code = ord(char)
    if char in "\t\n\r":
        return repr(char)[1:-1]
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _say(text, out):
    """Print one line of the report, escaped (``printable``)."""
    print(printable(text), file=out)


def _selected_cases(suite):
    cases = ()
    if suite in ("all", "minpack1"):
        cases += minpack1_cases()
    if suite in ("all", "nist"):
        cases += nist_cases()
    return cases


def load_target(spec):
    """``module:function`` -> the function (ValueError if it is not one)."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"target must be MODULE:FUNCTION, not {spec!r}")
    module = importlib.import_module(module_name)
    target = module
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ValueError(f"{spec} is not callable")
    return target


def _version_of(spec):
    top = spec.split(":")[0].split(".")[0]
    module = sys.modules.get(top)
    version = getattr(module, "__version__", None)
    return f"{top} {version}" if version else top


def _about_reference():
    reference = raw_reference()
    return (f"MINPACK-1: the original drivers' results ({reference['compiler']}"
            f", {reference['libc']}, {reference['machine']}); NIST StRD: "
            f"pyminpack {__version__} (the vendored Fortran) run here")


def _summary(verdicts, allow_ulps):
    counts = collections.Counter(v.verdict for v in verdicts)
    by_suite = {}
    for v in verdicts:
        suite = by_suite.setdefault(v.suite, {}).setdefault(
            v.solver, collections.Counter())
        suite[v.verdict] += 1
        suite["runs"] += 1
    failed = [v for v in verdicts if not v.passes(allow_ulps)]
    return {"runs": len(verdicts), "EXACT": counts[EXACT],
            "SAME": counts[SAME], "DIFF": counts["DIFF"],
            "failed": len(failed), "passed": not failed,
            "by_suite": {suite: {solver: dict(c) for solver, c in d.items()}
                         for suite, d in by_suite.items()}}


def _print_report(title, verdicts, summary, allow_ulps, seconds, verbose,
                  out):
    _say(title, out)
    _say(f"  reference: {_about_reference()}", out)
    _say(f"  EXACT: info, nfev, njev, x and fvec bit-identical to the "
         f"reference.  SAME: same info, nfev and njev, x within "
         f"{SAME_MAX_ULPS} ulps, fvec the residuals at x within "
         f"{SAME_MAX_ULPS} ulps of their scale.  DIFF: anything else.",
         out)
    _say("", out)
    width = max((len(v.case) for v in verdicts), default=10)
    shown = 0
    for v in verdicts:
        if v.verdict == EXACT and not verbose:
            continue
        shown += 1
        detail = "; ".join(v.differences)
        _say(f"  {v.verdict:5s}  {v.suite:8s} {v.case:{width}s}  "
             f"{v.solver}  {detail}".rstrip(), out)
        if v.departure is not None:
            _say(f"         {v.departure.describe()}", out)
        if v.note:
            _say(f"         note: {v.note}", out)
    if shown:
        _say("", out)
    for suite, solvers in summary["by_suite"].items():
        parts = []
        for solver in ("lmder", "lmdif", "hybrj", "hybrd"):
            c = solvers.get(solver)
            if c:
                extra = ", ".join(f"{c[k]} {k}" for k in (SAME, "DIFF")
                                  if c.get(k))
                parts.append(f"{solver} {c.get(EXACT, 0)}/{c['runs']} EXACT"
                             + (f" ({extra})" if extra else ""))
        _say(f"  {SUITES[suite]:10s} " + "   ".join(parts), out)
    verdict = "PASS" if summary["passed"] else "FAIL"
    allowed = f", SAME within {allow_ulps} ulps allowed" if allow_ulps else ""
    _say(f"  {summary['runs']} runs: {summary['EXACT']} EXACT, "
         f"{summary['SAME']} SAME, {summary['DIFF']} DIFF in "
         f"{seconds:.1f} s: {verdict}{allowed}", out)


def _export(directory, cases, references, out):
    directory.mkdir(parents=True, exist_ok=True)
    about = (f"Written by pyminpack {__version__} (python -m "
             f"pyminpack.validate --export).  Reference: "
             f"{_about_reference()}.  Schema: pyminpack's "
             f"docs/maintainer/results_schema.md.")
    for name, document in (
            ("cases.json", cases_document(cases, references, about)),
            ("reference_results.json",
             reference_results_document(cases, references))):
        (directory / name).write_text(json.dumps(document, indent=1) + "\n")
        _say(f"wrote {directory / name}", out)


def main(argv=None, out=None, references=None):
    """Run the command; returns its exit status.

    ``out`` receives the report (default stdout); ``references`` may be a
    References already filled by an earlier call (the tests share one).
    """
    out = out or sys.stdout
    parser = _parser()
    options = parser.parse_args(argv)
    modes = sum(x is not None for x in (options.target, options.export,
                                        options.compare))
    if modes != 1:
        parser.error("give exactly one of MODULE:FUNCTION, --export DIR "
                     "and --compare RESULTS.json")
    if options.allow < 0:
        parser.error("--allow must be a number of ulps, 0 or more")
    cases = _selected_cases(options.suite)
    references = references if references is not None else References()
    started = time.perf_counter()
    if options.export is not None:
        _export(options.export, cases, references, out)
        return 0

    results = None
    if options.compare is not None:
        try:
            target, parsed = read_results(options.compare,
                                          {c.name: c for c in cases})
        except ResultsFileError as error:
            _say(f"pyminpack.validate: {options.compare}: {error}",
                 sys.stderr)
            return 2
        target = target or str(options.compare)
        verdicts = compare_results(parsed, cases, references)
        title = f"pyminpack.validate {__version__}: {target} " \
                f"({options.compare}) against the original Fortran MINPACK"
    else:
        try:
            function = load_target(options.target)
        except (ImportError, AttributeError, ValueError) as error:
            _say(f"pyminpack.validate: cannot use {options.target}: "
                 f"{error}", sys.stderr)
            return 2
        target = options.target
        if is_fsolve_shaped(function):
            verdicts, results = validate_fsolve_target(
                function, minpack1_equation_cases())
        else:
            verdicts, results = validate_target(function, cases, references)
        title = (f"pyminpack.validate {__version__}: {target} "
                 f"({_version_of(target)}) against the original Fortran "
                 f"MINPACK")
    seconds = time.perf_counter() - started
    summary = _summary(verdicts, options.allow)
    _print_report(title, verdicts, summary, options.allow, seconds,
                  options.verbose, out)
    if options.json is not None:
        document = report_document(target, verdicts, results, summary,
                                   options.allow, _about_reference())
        options.json.write_text(json.dumps(document, indent=1) + "\n")
        _say(f"  report written to {options.json}", out)
    return 0 if summary["passed"] else 1
