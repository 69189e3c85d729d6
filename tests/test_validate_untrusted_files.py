"""python -m pyminpack.validate --compare on files nobody vouches for.

A malformed file is one line on stderr naming the file and the problem,
and exit status 2: never a traceback, whatever the bytes (hostile files
chosen here, then fuzzed).  Whatever a file or a target says reaches the
terminal escaped: no escape sequence, bell or carriage return of theirs.
"""

import io
import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyminpack
from pyminpack.testing import minpack1_cases
from pyminpack.validate import References, main

CASE = minpack1_cases()[0]
REFERENCES = References()

# An escape sequence (colour, clear screen), a bell, a carriage return that
# would overwrite the line, a right-to-left override, the C1 CSI, DEL and a
# lone surrogate (which a UTF-8 terminal cannot even be sent).
NASTY = "\x1b[31mred\x1b[2J\x07\rover\u202eevil\x9b2J\x7f\ud800 ok"
ESCAPED = "\\x1b[31mred\\x1b[2J\\x07\\rover\\u202eevil\\x9b2J\\x7f\\ud800 ok"


def entry(solver):
    result = CASE.lmder if solver == "lmder" else CASE.lmdif
    fields = {"case": CASE.name, "solver": solver, "info": result.info,
              "nfev": result.nfev,
              "x": [v.hex() for v in result.x.tolist()],
              "fvec": [v.hex() for v in result.fvec.tolist()]}
    if result.njev is not None:
        fields["njev"] = result.njev
    return fields


def valid_document():
    """Both runs of one case, the reference's own results."""
    return {"schema": "pyminpack.validate/results-1", "target": "port",
            "results": [entry("lmder"), entry("lmdif")]}


def valid_text():
    return json.dumps(valid_document())


def run_compare(path, capsys):
    """(exit status, stdout, stderr) of --compare on one MINPACK-1 case;
    the other 52 are missing from the file, so a good file is exit 1."""
    out = io.StringIO()
    status = main(["--compare", str(path), "--suite", "minpack1"], out=out,
                  references=REFERENCES)
    captured = capsys.readouterr()
    return status, out.getvalue() + captured.out, captured.err


def test_the_base_file_is_valid(tmp_path, capsys):
    path = tmp_path / "results.json"
    path.write_text(valid_text())
    status, out, err = run_compare(path, capsys)
    assert status == 1 and err == ""
    assert "2 EXACT, 0 SAME, 104 DIFF" in out


def x0_is(text):
    """The valid file with results[0].x[0] given as this JSON text."""
    document = valid_document()
    document["results"][0]["x"][0] = "@@"
    return json.dumps(document).replace('"@@"', text)


def field_is(name, text):
    document = valid_document()
    document["results"][0][name] = "@@"
    return json.dumps(document).replace('"@@"', text)


def top_is(name, text):
    document = valid_document()
    document[name] = "@@"
    return json.dumps(document).replace('"@@"', text)


HOSTILE = {
    # where, the file's bytes, words the message must have
    "hex overflow": (x0_is('"0x1p+99999"'), ["results[0].x[0]", "overflow"]),
    "hex rounding to overflow": (x0_is('"0x1.fffffffffffff8p+1023"'),
                                 ["results[0].x[0]", "overflow"]),
    "decimal overflow": (x0_is("1e999"), ["results[0].x[0]", "overflow"]),
    "decimal string overflow": (x0_is('"-1e999"'),
                                ["results[0].x[0]", "overflow"]),
    "integer of 400 digits": (x0_is("1" + "0" * 399),
                              ["results[0].x[0]", "overflow"]),
    "integer of 5,000 digits": (x0_is("9" * 5000),
                                ["results[0].x[0]", "5000 digits"]),
    "count of 400 digits": (field_is("nfev", "7" * 400),
                            ["results[0].nfev", "400 digits"]),
    "count of 5,000 digits": (field_is("info", "-" + "7" * 5000),
                              ["results[0].info", "5000 digits"]),
    "count of 2**63": (field_is("njev", str(2 ** 63)),
                       ["results[0].njev"]),
    "list as case name": (field_is("case", '["mgh01"]'),
                          ["results[0].case", "a string"]),
    "object as case name": (field_is("case", '{"a": 1}'),
                            ["results[0].case", "a string"]),
    "number as case name": (field_is("case", "1"),
                            ["results[0].case", "a string"]),
    "list as solver": (field_is("solver", "[1]"), ["results[0].solver"]),
    "list as target": (top_is("target", "[1, 2]"), ["target", "a string"]),
    "nested target": (top_is("target", "[" * 400 + "]" * 400),
                      ["target", "a string"]),
    "nested case name": (field_is("case", "[" * 400 + "]" * 400),
                         ["results[0].case"]),
    "nested schema": (top_is("schema", "{\"a\":" * 400 + "1" + "}" * 400),
                      ["schema"]),
    "deeply nested arrays": (("[" * 100_000 + "]" * 100_000),
                             ["nested too deeply"]),
    "deeply nested objects": ('{"a":' * 100_000 + "1" + "}" * 100_000,
                              ["nested too deeply"]),
    "nested in x": (x0_is("[" * 100_000 + "]" * 100_000),
                    ["nested too deeply"]),
    "a long string": (x0_is(json.dumps("7" * 5000 + "a")),
                      ["results[0].x[0]", "5001 characters"]),
    "not UTF-8": (b'{"schema": "\xff\xfe"}', ["not UTF-8"]),
    "UTF-16": (valid_text().encode("utf-16"), ["not UTF-8"]),
    "NUL bytes": (b"\x00" * 10, ["JSON"]),
    "empty": ("", ["JSON"]),
    "null": ("null", ["a JSON object"]),
    "a list": ("[]", ["a JSON object"]),
    "no results": (top_is("results", "null"), ["results"]),
    "lone surrogate as case": (field_is("case", '"\\ud800"'),
                               ["results[0].case", "\\ud800"]),
    "NaN as count": (field_is("nfev", "NaN"), ["results[0].nfev"]),
    "float as count": (field_is("nfev", "3.0"), ["results[0].nfev"]),
    "exponent as count": (field_is("nfev", "3e0"), ["results[0].nfev"]),
    "list of lists as x": (field_is("x", "[[1.0]]"), ["results[0].x"]),
    "evaluations not points": (field_is("evaluations", "[1.0]"),
                               ["results[0].evaluations[0]"]),
    "true as x": (x0_is("true"), ["results[0].x[0]"]),
}


def assert_one_line_naming(err, path, words):
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err[:2000]
    assert lines[0].startswith(f"pyminpack.validate: {path}: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert len(lines[0]) < 300, lines[0]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_one_line_naming_the_problem(name, tmp_path,
                                                       capsys):
    content, words = HOSTILE[name]
    path = tmp_path / "results.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    status, _, err = run_compare(path, capsys)
    assert status == 2, err
    assert_one_line_naming(err, path, words)


@pytest.mark.parametrize("make", [
    lambda tmp: tmp / "missing.json",
    lambda tmp: tmp,  # a directory
])
def test_a_file_that_cannot_be_read_is_exit_status_2(make, tmp_path,
                                                     capsys):
    path = make(tmp_path)
    status, _, err = run_compare(path, capsys)
    assert status == 2
    assert_one_line_naming(err, path, [])


# --- fuzzing: values anywhere, and bytes -------------------------------------

# The same file and capture are used by every example: each writes the
# file anew and reads the capture out, so nothing carries over.
FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True)
    | st.integers(min_value=-10 ** 400, max_value=10 ** 400)
    | st.text(max_size=12)
    | st.sampled_from(["0x1p+99999", "0x1.8p1", "-0x0p0", "nan", "inf",
                       "1e999", "lmder", "lmdif", CASE.name, "", "0x",
                       NASTY]),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["case", "solver", "x", "fvec",
                                       "info", "nfev", "njev",
                                       "evaluations", "schema", "results",
                                       "target"]), inner, max_size=4),
    max_leaves=12)

PLACES = st.sampled_from(["document", "schema", "target", "results",
                          "results[0]", "case", "solver", "info", "nfev",
                          "njev", "x", "x[0]", "fvec", "fvec[1]",
                          "evaluations", "evaluations[0]"])


def placed(place, value):
    document = valid_document()
    first = document["results"][0]
    if place == "document":
        return value
    if place in ("schema", "target", "results"):
        document[place] = value
    elif place == "results[0]":
        document["results"][0] = value
    elif place.endswith("]"):
        name, index = place[:-1].split("[")
        if name == "evaluations":
            first["evaluations"] = [first["x"]]
        first[name][int(index)] = value
    else:
        first[place] = value
    return document


def assert_clean_outcome(status, out, err, path):
    assert status in (1, 2), (status, err)
    if status == 2:
        assert_one_line_naming(err, path, [])
    else:
        assert err == ""
    assert not [c for c in out if c != "\n" and unsafe(c)]


def unsafe(char):
    return unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp")


@FUZZ
@given(place=PLACES, value=JSON_VALUES)
def test_any_value_anywhere_is_judged_or_refused(place, value, tmp_path,
                                                 capsys):
    path = tmp_path / "fuzzed.json"
    path.write_text(json.dumps(placed(place, value)))
    status, out, err = run_compare(path, capsys)
    assert_clean_outcome(status, out, err, path)


@FUZZ
@given(data=st.data())
def test_any_bytes_are_judged_or_refused(data, tmp_path, capsys):
    text = valid_text().encode()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 8)))
    middle = data.draw(st.binary(max_size=8))
    path = tmp_path / "fuzzed.json"
    path.write_bytes(text[:start] + middle + text[end:])
    status, out, err = run_compare(path, capsys)
    assert_clean_outcome(status, out, err, path)


# --- what a file or a target says reaches the terminal escaped ---------------



def assert_printable(text):
    assert not [c for c in text if c != "\n" and unsafe(c)], repr(text)


def test_a_files_target_is_printed_escaped(tmp_path, capsys):
    document = valid_document()
    document["target"] = NASTY
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document))
    status, out, err = run_compare(path, capsys)
    assert status == 1 and err == ""
    assert_printable(out)
    assert f"pyminpack.validate {pyminpack.__version__}: {ESCAPED} (" in out


def test_a_files_name_is_printed_escaped(tmp_path, capsys):
    path = tmp_path / "results\x1b[2J\r.json"
    path.write_text(valid_text())
    status, out, _ = run_compare(path, capsys)
    assert status == 1
    assert_printable(out)
    assert "results\\x1b[2J\\r.json" in out
    path.write_text("{")
    status, _, err = run_compare(path, capsys)
    assert status == 2
    assert_printable(err)
    assert err.startswith(f"pyminpack.validate: {tmp_path}/results\\x1b[2J"
                          f"\\r.json: not JSON")


def raising_leastsq(*args, **kwargs):
    raise RuntimeError(NASTY)


def test_a_targets_exception_is_printed_escaped(tmp_path, monkeypatch,
                                                capsys):
    module = tmp_path / "nasty_port.py"
    module.write_text("from test_validate_untrusted_files import "
                      "raising_leastsq\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    out = io.StringIO()
    status = main(["nasty_port:raising_leastsq", "--suite", "minpack1"],
                  out=out, references=REFERENCES)
    assert status == 1
    assert_printable(out.getvalue())
    assert f"RuntimeError: {ESCAPED}" in out.getvalue()
    # And a target named with control characters, that cannot be imported.
    assert main(["nasty\x1b[2J:leastsq"], out=out) == 2
    err = capsys.readouterr().err
    assert_printable(err)
    assert "cannot use nasty\\x1b[2J:leastsq" in err
