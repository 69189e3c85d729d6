"""python -m pyminpack.validate: verdicts, first departures, files.

Each test can fail: the EXACT counts are the reference's bits, the test
double's departure is checked against counters kept here, and the files
are altered one field or one bit at a time.
"""

import copy
import dataclasses
import io
import json
import struct

import numpy as np
import pytest

import pyminpack
from pyminpack.testing import Case, Result, all_cases, minpack1_cases
from pyminpack.validate import (SAME_MAX_ULPS, References, Verdict, main,
                                validate_target)
from pyminpack.validate._ulps import ulps
from pyminpack.validate._verdict import judge

MINPACK1 = minpack1_cases()
MEYER = next(c for c in MINPACK1 if c.name == "mgh10-n3-m16-x1")
PERTURBED_EVALUATION = 6        # counting from 1, x0 being the first
PERTURBED_COMPONENT = 1


# One set of reference runs for every test here: each is the same
# pyminpack run, and computing them once keeps the file fast.
REFERENCES = References()


@pytest.fixture(scope="module")
def references():
    return REFERENCES


def bits(value):
    return struct.unpack("<q", struct.pack("<d", value))[0]


def run_cli(*argv):
    out = io.StringIO()
    status = main(list(argv), out=out, references=REFERENCES)
    return status, out.getvalue()


# --- pyminpack and scipy 1.14.1 are the Fortran ------------------------------

def test_pyminpack_is_exact_on_every_case(references):
    verdicts, _ = validate_target(pyminpack.leastsq, all_cases(), references)
    assert len(verdicts) == 214
    assert [v.case for v in verdicts if v.verdict != "EXACT"] == []
    assert sum(v.suite == "minpack1" for v in verdicts) == 106


def test_scipy_1_14_1_is_exact_on_every_case(references):
    scipy = pytest.importorskip("scipy")
    if scipy.__version__ != "1.14.1":
        pytest.skip("needs scipy 1.14.1, the last on the Fortran MINPACK")
    from scipy.optimize import leastsq
    verdicts, _ = validate_target(leastsq, all_cases(), references)
    assert [v.case for v in verdicts if v.verdict != "EXACT"] == []
    assert sum(v.verdict == "EXACT" and v.suite == "minpack1"
               for v in verdicts) == 106


def test_command_line_report_and_exit_status(tmp_path):
    report = tmp_path / "report.json"
    status, text = run_cli("pyminpack:leastsq", "--suite", "minpack1",
                           "--json", str(report))
    assert status == 0
    assert "MINPACK-1  lmder 53/53 EXACT   lmdif 53/53 EXACT" in text
    assert "106 runs: 106 EXACT, 0 SAME, 0 DIFF" in text and "PASS" in text
    document = json.loads(report.read_text())
    assert document["schema"] == "pyminpack.validate/report-1"
    assert document["summary"]["EXACT"] == 106
    assert {c["verdict"] for c in document["cases"]} == {"EXACT"}
    # The report's results are a results file: --compare reads it back.
    assert run_cli("--compare", str(report), "--suite", "minpack1")[0] == 0


def test_a_target_that_cannot_be_imported_is_exit_status_2(capsys):
    assert run_cli("no_such_module_here:leastsq")[0] == 2
    assert "cannot use no_such_module_here:leastsq" in capsys.readouterr().err


# --- a test double that perturbs one step -------------------------------------

def perturbing_leastsq(func, x0, *args, **kwargs):
    """pyminpack.leastsq, except that func's 6th evaluation is made at a
    point whose x[1] is off by a relative 2**-30."""
    calls = [0]

    def residuals(x, *more):
        calls[0] += 1
        if calls[0] == PERTURBED_EVALUATION:
            x = x.copy()
            x[PERTURBED_COMPONENT] *= 1.0 + 2.0 ** -30
        return func(x, *more)
    return pyminpack.leastsq(residuals, x0, *args, **kwargs)


def unperturbed_point_and_iteration():
    """The 6th evaluation point of the real fit, and how many iterations
    had started by then, counted here with callback=."""
    points, started = [], []

    def residuals(x):
        points.append(x.copy())
        return MEYER.residuals(x)
    pyminpack.leastsq(residuals, MEYER.x0, Dfun=MEYER.jacobian,
                      callback=lambda x, f: started.append(len(points)),
                      **MEYER.options)
    index = PERTURBED_EVALUATION - 1
    return points[index], sum(1 for s in started if s <= index)


def test_a_perturbed_step_is_diff_at_the_right_evaluation(references):
    verdicts, _ = validate_target(perturbing_leastsq, [MEYER], references)
    lmder = next(v for v in verdicts if v.solver == "lmder")
    assert lmder.verdict == "DIFF"
    point, iteration = unperturbed_point_and_iteration()
    departure = lmder.departure
    assert departure.evaluation == PERTURBED_EVALUATION
    assert departure.iteration == iteration
    assert departure.component == PERTURBED_COMPONENT
    assert departure.components_differing == 1
    assert departure.reference_x == point[PERTURBED_COMPONENT]
    perturbed = point[PERTURBED_COMPONENT] * (1.0 + 2.0 ** -30)
    assert departure.ulps == bits(perturbed) - bits(point[PERTURBED_COMPONENT])
    assert departure.ulps > 0
    assert f"evaluation {PERTURBED_EVALUATION} (iteration {iteration})" \
        in departure.describe()


def test_the_report_names_the_departure(tmp_path, monkeypatch):
    module = tmp_path / "perturbed_port.py"
    module.write_text("from test_validate import perturbing_leastsq\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    status, text = run_cli("perturbed_port:perturbing_leastsq", "--suite",
                           "minpack1")
    assert status == 1 and "FAIL" in text
    assert (f"first departing evaluation: evaluation {PERTURBED_EVALUATION}"
            in text)


# --- export, then compare ------------------------------------------------------

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    directory = tmp_path_factory.mktemp("export")
    status, _ = run_cli("--export", str(directory), "--suite", "minpack1")
    assert status == 0
    return directory


@pytest.fixture(scope="module")
def our_results_document(exported):
    return our_results(exported)


def our_results(exported):
    """Run pyminpack on the exported cases, reading every input from the
    file as a foreign port would, and write the results file."""
    cases = json.loads((exported / "cases.json").read_text())
    assert cases["schema"] == "pyminpack.validate/cases-1"
    problems = {case.name: case for case in MINPACK1}
    results = []
    for entry in cases["cases"]:
        problem = problems[entry["case"]]
        x0 = np.array([float.fromhex(v) for v in entry["x0"]])
        options = {name: float.fromhex(entry[name])
                   for name in ("ftol", "xtol", "gtol")}
        for solver in ("lmder", "lmdif"):
            x, _, info, _, ier = pyminpack.leastsq(
                problem.residuals, x0, full_output=True,
                Dfun=problem.jacobian if solver == "lmder" else None,
                maxfev=entry["maxfev"][solver], factor=entry["factor"],
                **options)
            result = {"case": entry["case"], "solver": solver, "info": ier,
                      "nfev": info["nfev"], "x": [v.hex() for v in x],
                      "fvec": [v.hex() for v in info["fvec"]]}
            if solver == "lmder":
                result["njev"] = info["njev"]
            results.append(result)
    return {"schema": "pyminpack.validate/results-1", "target": "test",
            "results": results}


def compare(tmp_path, document, *extra):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(document))
    return run_cli("--compare", str(path), "--suite", "minpack1", *extra)


def test_export_then_compare_round_trips_to_exact(exported,
                                                 our_results_document,
                                                 tmp_path):
    status, text = compare(tmp_path, copy.deepcopy(our_results_document))
    assert status == 0, text
    assert "106 runs: 106 EXACT" in text
    reference = exported / "reference_results.json"
    assert run_cli("--compare", str(reference), "--suite", "minpack1")[0] == 0


def test_numbers_printed_with_17_digits_are_exact_too(our_results_document,
                                                      tmp_path):
    document = copy.deepcopy(our_results_document)
    for result in document["results"]:
        result["x"] = [float(f"{float.fromhex(v):.17g}") for v in result["x"]]
    assert compare(tmp_path, document)[0] == 0


def flip(hex_value, bit):
    value = float.fromhex(hex_value)
    flipped = struct.unpack("<d", struct.pack("<q", bits(value) ^ (1 << bit)))
    return flipped[0].hex()


def test_one_altered_bit_is_reported(our_results_document, tmp_path):
    document = copy.deepcopy(our_results_document)
    target = document["results"][7]
    # The lowest exponent bit: x[0] doubles or halves.
    target["x"][0] = flip(target["x"][0], 52)
    status, text = compare(tmp_path, document)
    assert status == 1
    line = next(l for l in text.splitlines() if target["case"] in l)
    assert line.split()[0] == "DIFF" and target["solver"] in line


def test_one_altered_last_bit_is_same_and_fails_unless_allowed(
        our_results_document, tmp_path):
    document = copy.deepcopy(our_results_document)
    target = document["results"][3]
    target["x"][0] = flip(target["x"][0], 0)
    status, text = compare(tmp_path, document)
    assert status == 1
    line = next(l for l in text.splitlines() if target["case"] in l)
    assert line.split()[0] == "SAME" and "x differs, first at x[0], by up to 1 ulp" in line
    assert compare(tmp_path, document, "--allow", "1")[0] == 0


def test_a_file_whose_every_fvec_is_nan_is_diff(our_results_document,
                                                tmp_path):
    """x exact but fvec NaN: not the residuals at x, so DIFF (and a fail)."""
    document = copy.deepcopy(our_results_document)
    for result in document["results"]:
        result["fvec"] = [float("nan")] * len(result["fvec"])
    status, text = compare(tmp_path, document)
    assert status == 1
    assert "106 runs: 0 EXACT, 0 SAME, 106 DIFF" in text and "FAIL" in text
    assert "fvec is not the residuals at x" in text


def test_an_fvec_difference_is_same_and_only_exact_passes_at_allow_0(
        our_results_document, tmp_path):
    document = copy.deepcopy(our_results_document)
    target = document["results"][3]
    target["fvec"][0] = flip(target["fvec"][0], 0)  # x stays exact
    status, text = compare(tmp_path, document)
    line = next(l for l in text.splitlines() if target["case"] in l)
    assert line.split()[0] == "SAME", line
    assert "fvec differs, first at fvec[0], by up to 1 ulp" in line
    assert "105 EXACT, 1 SAME, 0 DIFF" in text
    assert status == 1 and "FAIL" in text
    assert compare(tmp_path, document, "--allow", "1")[0] == 0


def shifted(hex_value, ulps_away):
    """The double ``ulps_away`` doubles further from zero than the given
    one (same sign, so the distance is exactly that)."""
    value = float.fromhex(hex_value)
    moved = struct.unpack("<d", struct.pack("<q", bits(value) + ulps_away))
    return moved[0]


@pytest.mark.parametrize("ulps_away, verdict", [
    (SAME_MAX_ULPS, "SAME"), (SAME_MAX_ULPS + 1, "DIFF")])
def test_the_same_threshold_at_its_boundary(our_results_document, tmp_path,
                                            ulps_away, verdict):
    """x exactly SAME_MAX_ULPS ulps away is SAME, one more is DIFF; fvec is
    the residuals at that x, as a port that took another path writes it."""
    document = copy.deepcopy(our_results_document)
    target = document["results"][3]
    case = next(c for c in MINPACK1 if c.name == target["case"])
    x = [float.fromhex(v) for v in target["x"]]
    x[0] = shifted(target["x"][0], ulps_away)
    assert ulps(x[0], float.fromhex(target["x"][0])) == ulps_away
    target["x"] = [v.hex() for v in x]
    target["fvec"] = [v.hex() for v in case.residuals(np.array(x))]
    status, text = compare(tmp_path, document)
    line = next(l for l in text.splitlines() if target["case"] in l)
    assert line.split()[0] == verdict, line
    assert f"x differs, first at x[0], by up to {ulps_away} ulps" in line
    assert "residuals at x" not in line  # fvec is the residuals at x
    assert status == 1
    # --allow lets a SAME run pass from its distance on, never a DIFF.
    assert compare(tmp_path, document, "--allow", str(ulps_away))[0] == (
        0 if verdict == "SAME" else 1)
    assert compare(tmp_path, document, "--allow", str(ulps_away - 1))[0] == 1


def test_an_altered_count_is_diff(our_results_document, tmp_path):
    document = copy.deepcopy(our_results_document)
    document["results"][0]["nfev"] += 1
    status, text = compare(tmp_path, document)
    assert status == 1 and "nfev" in text


@pytest.mark.parametrize("alter, field", [
    (lambda d: d.update(schema="other/1"), "schema"),
    (lambda d: d.pop("results"), "results"),
    (lambda d: d["results"][2].pop("nfev"), "results[2]: missing field 'nfev'"),
    (lambda d: d["results"][4]["x"].__setitem__(1, "abc"), "results[4].x[1]"),
    (lambda d: d["results"][4].__setitem__("x", [0.0]),
     "results[4].x: expected"),
    (lambda d: d["results"][5].__setitem__("info", "1"), "results[5].info"),
    (lambda d: d["results"][6].__setitem__("case", "nope"),
     "results[6].case: unknown case"),
    (lambda d: d["results"][6].__setitem__("solver", "lmstr"),
     "results[6].solver"),
    (lambda d: d["results"].append(dict(d["results"][0])), "a second result"),
])
def test_a_malformed_file_names_the_field(our_results_document, tmp_path,
                                          capsys, alter, field):
    document = copy.deepcopy(our_results_document)
    alter(document)
    status, _ = compare(tmp_path, document)
    assert status == 2
    assert field in capsys.readouterr().err


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text("{\"schema\": ")
    assert run_cli("--compare", str(path))[0] == 2
    assert "broken.json" in capsys.readouterr().err


def test_ulps():
    assert ulps(1.0, np.nextafter(1.0, 2.0)) == 1
    assert ulps(-0.0, 0.0) == 0
    assert ulps(-5e-324, 5e-324) == 2
    assert ulps(float("nan"), 1.0) is None
    assert ulps(float("nan"), -float("nan")) == 0


# --- judge on a problem whose every number is exact --------------------------

def tiny_case():
    """Residuals (x0, 0.5): their scale is 1 (fvec0 = (1, 0.5)), so one
    ulp of it is 2**-52 and fvec = 1 + k * 2**-52 is k ulps away."""
    return Case(name="tiny", suite="minpack1", title="tiny", m=2, n=1,
                x0=np.array([1.0]), residuals=lambda x: np.array([x[0], 0.5]),
                jacobian=lambda x: np.array([[1.0], [0.0]]), options={},
                fvec0=np.array([1.0, 0.5]))


def tiny_result(x, fvec):
    return Result(info=1, nfev=3, njev=None, x=np.array(x),
                  fvec=np.array(fvec), fnorm=0.0)


REFERENCE = tiny_result([1.0], [1.0, 0.5])


@pytest.mark.parametrize("fvec0, verdict, fvec_ulps", [
    (1.0, "EXACT", 0),
    (1.0 + 2.0 ** -52, "SAME", 1),
    (1.0 + SAME_MAX_ULPS * 2.0 ** -52, "SAME", SAME_MAX_ULPS),
    (1.0 + (SAME_MAX_ULPS + 1) * 2.0 ** -52, "DIFF", SAME_MAX_ULPS + 1),
    (1.0 - SAME_MAX_ULPS * 2.0 ** -52, "SAME", SAME_MAX_ULPS),
    (float("nan"), "DIFF", None),
    (float("inf"), "DIFF", None),
])
def test_fvec_is_judged_against_the_residuals_at_x(fvec0, verdict,
                                                   fvec_ulps):
    found, differences, x_ulps, got_ulps = judge(
        tiny_case(), REFERENCE, tiny_result([1.0], [fvec0, 0.5]))
    assert (found, x_ulps, got_ulps) == (verdict, 0, fvec_ulps)
    if verdict != "EXACT":
        assert any("fvec is not the residuals at x" in d
                   for d in differences), differences


def test_two_nans_compare_equal():
    """NaN where the reference has NaN is no difference, whatever its
    payload: SAME, 0 ulps, in x and in fvec."""
    nan = float("nan")
    other_nan = struct.unpack("<d", struct.pack("<q", 0x7FF8_0000_0000_0001))[0]
    reference = tiny_result([nan], [nan, 0.5])
    found, _, x_ulps, fvec_ulps = judge(
        tiny_case(), reference, tiny_result([other_nan], [other_nan, 0.5]))
    assert (found, x_ulps, fvec_ulps) == ("SAME", 0, 0)
    found, _, _, _ = judge(tiny_case(), reference,
                           tiny_result([other_nan], [1.0, 0.5]))
    assert found == "DIFF"


def test_a_results_file_may_carry_the_evaluation_points(our_results_document,
                                                        tmp_path, references):
    _, runs = validate_target(perturbing_leastsq, [MEYER], references)
    _, _, result, points = next(run for run in runs if run[1] == "lmder")
    document = copy.deepcopy(our_results_document)
    entry = next(e for e in document["results"]
                 if e["case"] == MEYER.name and e["solver"] == "lmder")
    entry.update(info=result.info, nfev=result.nfev, njev=result.njev,
                 x=[v.hex() for v in result.x.tolist()],
                 fvec=[v.hex() for v in result.fvec.tolist()],
                 evaluations=[[v.hex() for v in p.tolist()] for p in points])
    status, text = compare(tmp_path, document)
    assert status == 1
    assert (f"first departing evaluation: evaluation {PERTURBED_EVALUATION}"
            in text)


def test_problem_functions_that_differ_from_the_reference_get_a_note(
        references):
    """A machine whose C library rounds exp differently changes the
    problem's values at x0: the report says so before blaming the solver.
    Simulated by a reference fvec0 with one bit changed."""
    fvec0 = MEYER.fvec0.copy()
    fvec0[0] = np.nextafter(fvec0[0], np.inf)
    elsewhere = dataclasses.replace(MEYER, fvec0=fvec0)
    verdicts, _ = validate_target(perturbing_leastsq, [elsewhere], references)
    assert "residuals at x0 differ" in verdicts[0].note
    verdicts, _ = validate_target(perturbing_leastsq, [MEYER], references)
    assert verdicts[0].note is None


def test_at_allow_0_only_exact_passes():
    """-0 for +0 is not the same bits but 0 ulps away: SAME, which passes
    from --allow 1 on, not at 0."""
    found, _, x_ulps, fvec_ulps = judge(
        tiny_case(), tiny_result([0.0], [0.0, 0.5]),
        tiny_result([-0.0], [-0.0, 0.5]))
    assert (found, x_ulps, fvec_ulps) == ("SAME", 0, 0)
    same = Verdict(case="tiny", suite="minpack1", solver="lmdif",
                   verdict=found, max_ulps_x=x_ulps, max_ulps_fvec=fvec_ulps)
    assert not same.passes(0) and same.passes(1)
