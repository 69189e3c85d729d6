"""Reading the results file a port wrote (schema:
docs/maintainer/results_schema.md, "The validator's JSON files").

Nothing in the file is trusted: whatever its bytes, reading it ends in the
parsed results or in one ResultsFileError whose message names the field
and the problem in one line (values shown short and escaped), never in
another exception.  JSON numbers are kept as their text until the field
they are in is known, so that an integer of 5,000 digits (beyond Python's
int-string conversion limit) or a value that overflows a double is an
error about that field.
"""

import json
import math

import numpy as np

from ..testing import Result, enorm
from ._files import REPORT_SCHEMA, RESULTS_SCHEMA

#: Counts (info, nfev, njev) are integers that fit 64 bits (MINPACK's are
#: C ints; a port may use wider ones).
_COUNT_LIMIT = 2 ** 63
_SHOWN_CHARACTERS = 40


class ResultsFileError(ValueError):
    """A results file that cannot be read or does not follow the schema;
    the message names the field (``results[3].x[1]``) or the problem."""


class _Number:
    """A JSON number as written, converted once its field is known."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text


def read_results(path, cases_by_name):
    """(the file's target or None, {(case, solver): (Result, evaluations
    or None)}) from the results file at ``path``, or ResultsFileError."""
    document = _load(path)
    if not isinstance(document, dict):
        _fail("(top level)", f"expected a JSON object, not "
                             f"{_shown(document)}")
    target = document.get("target")
    if target is not None and not isinstance(target, str):
        _fail("target", f"expected a string, not {_shown(target)}")
    return target, parse_results(document, cases_by_name)


def _load(path):
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ResultsFileError(error.strerror or str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ResultsFileError(f"not UTF-8 text (byte 0x{raw[error.start]:02x}"
                               f" at offset {error.start})") from None
    try:
        return json.loads(text, parse_int=_Number, parse_float=_Number)
    except json.JSONDecodeError as error:
        raise ResultsFileError(f"not JSON: {error}") from None
    except RecursionError:
        raise ResultsFileError("not JSON that can be read: arrays or objects "
                               "nested too deeply") from None


def _fail(where, problem):
    raise ResultsFileError(f"{where}: {problem}")


def _shown(value):
    """A JSON value for a one-line message: short, escaped (json.dumps
    escapes control characters and everything beyond ASCII)."""
    if isinstance(value, _Number):
        text = value.text
        if len(text) <= _SHOWN_CHARACTERS:
            return text
        digits = text.lstrip("-")
        return (f"an integer of {len(digits)} digits" if digits.isdigit()
                else f"a number of {len(text)} characters")
    if isinstance(value, str):
        if len(value) <= _SHOWN_CHARACTERS:
            return json.dumps(value)
        return (f"{json.dumps(value[:_SHOWN_CHARACTERS])[:-1]}...\" (a "
                f"string of {len(value)} characters)")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return json.dumps(value)  # null, true, false, NaN, Infinity


def _double(value, where):
    if isinstance(value, float):  # NaN, Infinity, -Infinity
        return value
    text = value.text if isinstance(value, _Number) else value
    if isinstance(text, str):
        try:
            number = (float.fromhex(text) if "0x" in text.lower()
                      else float(text))
        except OverflowError:
            _fail(where, f"{_shown(value)} overflows a double")
        except ValueError:
            number = None
        if number is not None:
            # float() gives inf for a decimal too large, where fromhex
            # raises: the same error for both, unless inf was written.
            if math.isinf(number) and text.strip().lstrip("+-").lower() \
                    not in ("inf", "infinity"):
                _fail(where, f"{_shown(value)} overflows a double")
            return number
    _fail(where, f"expected a number or a float.hex string, not "
                 f"{_shown(value)}")


def _field(entry, name, where):
    if name not in entry:
        _fail(where, f"missing field '{name}'")
    return entry[name]


def _doubles(values, where, size):
    if not isinstance(values, list):
        _fail(where, f"expected a list of doubles, not {_shown(values)}")
    if len(values) != size:
        _fail(where, f"expected {size} values, found {len(values)}")
    return np.array([_double(v, f"{where}[{k}]")
                     for k, v in enumerate(values)], dtype=np.float64)


def _integer(entry, name, where):
    value = _field(entry, name, where)
    where = f"{where}.{name}"
    text = value.text if isinstance(value, _Number) else ""
    if not text.lstrip("-").isdigit():
        _fail(where, f"expected an integer, not {_shown(value)}")
    # Compared as text first: int() refuses digit strings past Python's
    # conversion limit (4,300 digits by default).
    if len(text.lstrip("-")) > 19 or not (
            -_COUNT_LIMIT <= int(text) < _COUNT_LIMIT):
        _fail(where, f"expected an integer that fits 64 bits, not "
                     f"{_shown(value)}")
    return int(text)


def _string(entry, name, where):
    value = entry.get(name)
    if not isinstance(value, str):
        _fail(f"{where}.{name}", f"expected a string, not {_shown(value)}")
    return value


def parse_results(document, cases_by_name):
    """{(case, solver): (Result, evaluations or None)} from a results
    document (a dict), or ResultsFileError naming the first bad field."""
    # A --json report carries its results in the same form.
    schema = document.get("schema")
    if schema not in (RESULTS_SCHEMA, REPORT_SCHEMA):
        _fail("schema", f"expected \"{RESULTS_SCHEMA}\", found "
                        f"{_shown(schema)}")
    entries = document.get("results")
    if not isinstance(entries, list):
        _fail("results", f"missing, or not a list: {_shown(entries)}")
    parsed = {}
    for k, entry in enumerate(entries):
        where = f"results[{k}]"
        if not isinstance(entry, dict):
            _fail(where, f"expected an object, not {_shown(entry)}")
        name = _string(entry, "case", where)
        if name not in cases_by_name:
            _fail(f"{where}.case", f"unknown case {_shown(name)}")
        solver = _string(entry, "solver", where)
        if solver not in ("lmder", "lmdif"):
            _fail(f"{where}.solver", f"expected \"lmder\" or \"lmdif\", not "
                                     f"{_shown(solver)}")
        if (name, solver) in parsed:
            _fail(where, f"a second result for {name} {solver}")
        case = cases_by_name[name]
        njev = _integer(entry, "njev", where) if solver == "lmder" else None
        fvec = _doubles(_field(entry, "fvec", where), f"{where}.fvec",
                        case.m)
        result = Result(info=_integer(entry, "info", where),
                        nfev=_integer(entry, "nfev", where), njev=njev,
                        x=_doubles(_field(entry, "x", where), f"{where}.x",
                                   case.n),
                        fvec=fvec, fnorm=enorm(fvec))
        points = None
        if entry.get("evaluations") is not None:
            evaluations = entry["evaluations"]
            if not isinstance(evaluations, list):
                _fail(f"{where}.evaluations", f"expected a list of points, "
                                              f"not {_shown(evaluations)}")
            points = [_doubles(p, f"{where}.evaluations[{i}]", case.n)
                      for i, p in enumerate(evaluations)]
        parsed[(name, solver)] = (result, points)
    return parsed
