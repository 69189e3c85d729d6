"""curve_fit_groups: each group is curve_fit on its rows, to the bit.

The reference is the loop people write today: ``DataFrame.groupby`` and
``pyminpack.curve_fit`` on each group's rows (in the table's order), with
the same start.  A group curve_fit refuses or fails must be a reported
row of the result, never an exception.
"""

import doctest
import subprocess
import sys
import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_groups

pd = pytest.importorskip("pandas")


def decay(t, a, b, c):
    return a * np.exp(-b * t) + c


def dosed(x, ke, v):
    """A model of two predictors: time and a per-group dose column."""
    t, dose = x
    return dose / v * np.exp(-ke * t)


def decay_start(t, y):
    """A self-start: the value at the first point, a rate from the
    first and last points, the last value as the offset."""
    return np.array([y[0] - y[-1], 1.0 / (t.max() - t.min() + 1.0), y[-1]])


def decay_starts(t, y):
    """decay_start for all groups at once, on NaN-padded rows."""
    last = np.nanmax(np.where(np.isnan(y), -np.inf, np.arange(y.shape[1])),
                     axis=1).astype(int)
    rows = np.arange(y.shape[0])
    span = np.nanmax(t, axis=1) - np.nanmin(t, axis=1) + 1.0
    return np.column_stack([y[:, 0] - y[rows, last], 1.0 / span,
                            y[rows, last]])


def long_table(seed=1, groups=12):
    """Ragged groups (4 to 15 rows), replicate rows (the same t twice with
    different y), rows of all groups interleaved in a shuffled order."""
    rng = np.random.default_rng(seed)
    frames = []
    for g in range(groups):
        m = 4 + g % 12
        t = np.sort(rng.uniform(0.0, 6.0, m))
        t[1] = t[0]                                   # a replicate
        truth = (2.0 + rng.random(), 0.5 + rng.random(), 0.3 * rng.random())
        frames.append(pd.DataFrame({
            "subject": f"s{g:02d}", "t": t,
            "y": decay(t, *truth) + 0.03 * rng.standard_normal(m),
            "sd": 0.02 + 0.02 * rng.random(m),
            "dose": 10.0 + g, "site": g % 3}))
    table = pd.concat(frames, ignore_index=True)
    order = rng.permutation(len(table))
    return table.iloc[order].set_index(np.arange(100, 100 + len(table)))


def group_x(rows, x):
    if isinstance(x, list):
        return rows[x].to_numpy(float).T
    return rows[x].to_numpy(float)


def reference(f, data, x, y, by, p0=None, sigma=None, **options):
    """{key: (popt, pcov) or the exception curve_fit raised}."""
    fits = {}
    for key, rows in data.groupby(by, sort=True):
        x_g, y_g = group_x(rows, x), rows[y].to_numpy(float)
        s_g = None if sigma is None else rows[sigma].to_numpy()
        if callable(p0):
            keep = ~np.isnan(y_g) & ~np.isnan(x_g).reshape(-1, y_g.size).any(0)
            p0_g = p0(x_g[..., keep], y_g[keep])
        elif isinstance(p0, pd.DataFrame):
            p0_g = p0.loc[key].to_numpy(float)
        else:
            p0_g = p0
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                fits[key] = curve_fit(f, x_g, y_g, p0_g, s_g, **options)
        except (RuntimeError, ValueError, TypeError) as err:
            fits[key] = err
    return fits


def assert_groups_are_curve_fit(table, covariance, expected, names):
    assert len(table) == len(expected)
    for key, fit in expected.items():
        row = table.loc[key]
        if isinstance(fit, Exception):
            assert not row["success"], (key, fit)
            assert np.isnan(row[names].to_numpy(float)).all()
            continue
        assert row["success"], (key, row["message"])
        popt = row[names].to_numpy(float)
        assert popt.tobytes() == fit[0].tobytes(), key
        pcov = covariance.loc[key].to_numpy(float)
        assert pcov.tobytes() == fit[1].tobytes(), key
        se = row[[f"{name}_se" for name in names]].to_numpy(float)
        assert se.tobytes() == np.sqrt(np.diagonal(fit[1])).tobytes(), key


def fit_groups(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        return curve_fit_groups(*args, full_output=True, **kwargs)


@pytest.mark.parametrize("vectorized", [True, False])
def test_ragged_groups_with_replicates_in_the_table_order(vectorized):
    data = long_table()
    table, covariance, result = fit_groups(
        decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1],
        vectorized=vectorized)
    expected = reference(decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1])
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])
    # Replicates are never averaged: every row is a point of its group.
    rows = data.groupby("subject").size()
    assert (table["points"] == rows).all()
    assert table["success"].sum() >= 10 and len(result) == len(table)


def test_all_groups_run_as_one_batch_not_a_loop_of_fits():
    """f is called with the parameters of many groups at once (a loop
    of fits would call it once per evaluation of each fit)."""
    data = long_table(seed=29, groups=40)
    calls = []

    def counted(t, a, b, c):
        calls.append(np.size(a))
        return decay(t, a, b, c)

    table = curve_fit_groups(counted, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1])
    assert len(calls) < table["nfev"].sum()
    assert max(calls) > 30   # (groups of the longest length run apart)


def test_the_rows_order_is_the_tables_not_sorted_by_x():
    """The same points in another order give other bits (MINPACK's sums
    run in row order): the table's order is the one used."""
    data = long_table(seed=3)
    table, covariance, _ = fit_groups(decay, data, "t", "y", "subject",
                                      p0=[2.0, 1.0, 0.1])
    sorted_rows = reference(decay, data.sort_values(["subject", "t", "y"]),
                            "t", "y", "subject", p0=[2.0, 1.0, 0.1])
    differs = [key for key, fit in sorted_rows.items()
               if not isinstance(fit, Exception) and
               table.loc[key, ["a", "b", "c"]].to_numpy(float).tobytes()
               != fit[0].tobytes()]
    assert differs  # the check above could tell the orders apart
    expected = reference(decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1])
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])


def with_nan_rows(data):
    data = data.copy()
    labels = data.index.to_numpy()
    data.loc[labels[3], "y"] = np.nan
    data.loc[labels[10], "t"] = np.nan
    data.loc[labels[11], "y"] = np.inf
    return data


@pytest.mark.parametrize("nan_policy", [None, "raise", "omit"])
def test_nan_rows_under_each_nan_policy(nan_policy):
    data = with_nan_rows(long_table(seed=5))
    table, covariance, _ = fit_groups(decay, data, "t", "y", "subject",
                                      p0=[2.0, 1.0, 0.1],
                                      nan_policy=nan_policy)
    expected = reference(decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1],
                         nan_policy=nan_policy)
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])
    refused = [key for key, fit in expected.items()
               if isinstance(fit, Exception)]
    assert refused  # each policy refuses the inf group at least
    labels = data.index.to_numpy()
    nan_group = data.loc[labels[3], "subject"]
    inf_group = data.loc[labels[11], "subject"]
    if nan_policy is None:
        assert f"is nan at row {labels[3]}" in table.loc[nan_group, "message"]
        assert f"is inf at row {labels[11]}" in table.loc[inf_group,
                                                          "message"]
    elif nan_policy == "raise":
        assert "nan_policy='raise'" in table.loc[nan_group, "message"]
    else:
        rows = data.groupby("subject").size()
        assert table.loc[nan_group, "points"] == rows[nan_group] - 1
        assert "not finite" in table.loc[inf_group, "message"]


def test_a_covariate_column_is_another_predictor():
    data = long_table(seed=7)
    data["c"] = dosed((data["t"].to_numpy(), data["dose"].to_numpy()),
                      0.7, 4.0) * (1 + 0.01 * np.sin(np.arange(len(data))))
    table, covariance, _ = fit_groups(dosed, data, ["t", "dose"], "c",
                                      "subject", p0=[1.0, 3.0])
    expected = reference(dosed, data, ["t", "dose"], "c", "subject",
                         p0=[1.0, 3.0])
    assert_groups_are_curve_fit(table, covariance, expected, ["ke", "v"])
    assert table["success"].all()


@pytest.mark.parametrize("absolute_sigma", [False, True])
def test_a_sigma_column(absolute_sigma):
    data = long_table(seed=9)
    table, covariance, _ = fit_groups(decay, data, "t", "y", "subject",
                                      p0=[2.0, 1.0, 0.1], sigma="sd",
                                      absolute_sigma=absolute_sigma)
    expected = reference(decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1],
                         sigma="sd", absolute_sigma=absolute_sigma)
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])


def test_p0_as_a_frame_per_group():
    data = long_table(seed=11)
    keys = sorted(data["subject"].unique())
    rng = np.random.default_rng(0)
    starts = pd.DataFrame({"c": 0.1 * rng.random(len(keys)),
                           "a": 1.5 + rng.random(len(keys)),
                           "b": 0.5 + rng.random(len(keys))}, index=keys)
    starts = starts.iloc[rng.permutation(len(keys))]   # not in group order
    table, covariance, _ = fit_groups(decay, data, "t", "y", "subject",
                                      p0=starts)
    expected = reference(decay, data, "t", "y", "subject",
                         p0=starts[["a", "b", "c"]])
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])
    # A group without a start is reported, the others fitted.
    table, _, _ = fit_groups(decay, data, "t", "y", "subject",
                             p0=starts.drop(index=keys[4]))
    assert table.loc[keys[4], "message"] == \
        "Not run: p0 has no row for this group."
    assert table.drop(index=keys[4])["success"].all()


@pytest.mark.parametrize("p0_vectorized", [False, True])
def test_p0_as_a_self_start(p0_vectorized):
    data = with_nan_rows(long_table(seed=13))
    start = decay_starts if p0_vectorized else decay_start
    table, covariance, _ = fit_groups(decay, data, "t", "y", "subject",
                                      p0=start, p0_vectorized=p0_vectorized,
                                      nan_policy="omit")
    expected = reference(decay, data, "t", "y", "subject", p0=decay_start,
                         nan_policy="omit")
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])


def test_the_self_start_gets_each_groups_points_in_the_table_order():
    data = with_nan_rows(long_table(seed=15))
    seen = {}

    def start(t, y):
        seen[len(seen)] = (t.copy(), y.copy())
        return [2.0, 1.0, 0.1]

    fit_groups(decay, data, "t", "y", "subject", p0=start, nan_policy="omit")
    for k, (key, rows) in enumerate(data.groupby("subject")):
        keep = rows["y"].notna() & rows["t"].notna()
        t, y = seen[k]
        assert t.tobytes() == rows["t"][keep].to_numpy(float).tobytes()
        assert y.tobytes() == rows["y"][keep].to_numpy(float).tobytes()


def test_failures_are_reported_per_group_with_why():
    data = long_table(seed=17)
    labels = data.index.to_numpy()
    keys = sorted(data["subject"].unique())
    data = data[~((data["subject"] == keys[0]) &
                  (data.groupby("subject").cumcount() >= 2))]   # 2 rows left
    data.loc[data["subject"] == keys[1], "sd"] = 0.0
    data = data.copy()

    def start(t, y):
        if len(t) == 6:
            raise ZeroDivisionError("no slope")
        return [2.0, 1.0, 0.1]

    table = curve_fit_groups(decay, data, "t", "y", "subject", p0=start,
                             sigma="sd", maxfev=50)
    few = table.loc[keys[0]]
    assert few["message"] == ("Not run: the group has 2 points and needs at "
                              "least 3, one per parameter.")
    assert few["points"] == 2 and few["ier"] == 0 and not few["success"]
    assert "sigma column 'sd' is 0.0 at row" in table.loc[keys[1], "message"]
    five = table.index[table["points"] == 6]
    assert len(five) and all(
        table.loc[key, "message"] == "Not run: p0(x, y) raised "
        "ZeroDivisionError: no slope" for key in five)
    assert not table["message"].str.contains("Improper input").any()
    fitted = table.drop(index=[keys[0], keys[1], *five])
    assert fitted["success"].all() and (fitted["nfev"] > 0).all()
    assert labels.size  # the rows' labels are what the messages name


def test_maxfev_failures_carry_leastsq_message():
    data = long_table(seed=19)
    table = curve_fit_groups(decay, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1], maxfev=5)
    assert (table["ier"] == 5).all() and not table["success"].any()
    assert table["message"].str.contains("maxfev = 5").all()
    assert table[["a", "b", "c"]].isna().all().all()


def test_parameter_names_from_the_signature_and_param_names():
    data = long_table(seed=21)
    table = curve_fit_groups(decay, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1])
    assert list(table.columns) == ["a", "b", "c", "a_se", "b_se", "c_se",
                                   "points", "success", "ier", "nfev",
                                   "message"]

    def anonymous(t, *p):
        return decay(t, *p)

    named = curve_fit_groups(anonymous, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1],
                             param_names=["amplitude", "rate", "offset"])
    assert list(named.columns[:3]) == ["amplitude", "rate", "offset"]
    assert named[["amplitude", "rate", "offset"]].to_numpy().tobytes() == \
        table[["a", "b", "c"]].to_numpy().tobytes()
    with pytest.raises(ValueError, match="curve_fit_groups: cannot name the "
                       "parameters of anonymous.*param_names="):
        curve_fit_groups(anonymous, data, "t", "y", "subject",
                         p0=[2.0, 1.0, 0.1])


def test_several_by_columns_give_a_multiindex():
    data = long_table(seed=23)
    table, covariance, _ = fit_groups(decay, data, "t", "y",
                                      ["site", "subject"], p0=[2.0, 1.0, 0.1])
    assert isinstance(table.index, pd.MultiIndex)
    assert list(table.index.names) == ["site", "subject"]
    expected = reference(decay, data, "t", "y", ["site", "subject"],
                         p0=[2.0, 1.0, 0.1])
    assert list(table.index) == list(expected)
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])


def test_the_covariance_warning_names_groups():
    data = long_table(seed=25)
    keys = sorted(data["subject"].unique())
    data = data[~((data["subject"] == keys[2]) &
                  (data.groupby("subject").cumcount() >= 3))]   # 3 points
    with pytest.warns(OptimizeWarning, match=f"for 1 of 12 fits \\(group "
                      f"'{keys[2]}'; their standard errors are inf\\)") \
            as caught:
        table = curve_fit_groups(decay, data, "t", "y", "subject",
                                 p0=[2.0, 1.0, 0.1])
    assert len(caught) == 1 and caught[0].filename == __file__
    assert np.isinf(table.loc[keys[2], ["a_se", "b_se", "c_se"]]
                    .to_numpy(float)).all()


def test_bad_arguments_are_clear_errors():
    data = long_table(seed=27)
    with pytest.raises(KeyError, match="curve_fit_groups: y names 'z'"):
        curve_fit_groups(decay, data, "t", "z", "subject")
    with pytest.raises(TypeError, match="curve_fit_groups: data must be a "
                       "pandas DataFrame"):
        curve_fit_groups(decay, data.to_dict(), "t", "y", "subject")
    with pytest.raises(ValueError, match="p0 has 2 values for the 3"):
        curve_fit_groups(decay, data, "t", "y", "subject", p0=[1.0, 2.0])
    with pytest.raises(TypeError, match="column 'subject' must hold real"):
        curve_fit_groups(decay, data, "subject", "y", "t")
    with pytest.raises(TypeError, match="unexpected keyword argument "
                       "'check_finite'"):
        curve_fit_groups(decay, data, "t", "y", "subject", check_finite=False)


def run_alone(source):
    done = subprocess.run([sys.executable, "-W", "error", "-c", source],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_pandas_is_imported_only_when_called():
    out = run_alone(
        "import sys, pyminpack\n"
        "print('pandas' in sys.modules)\n"
        "import numpy as np, pandas as pd\n"
        "del sys.modules['pandas']\n"
        "d = pd.DataFrame({'g': [1, 1, 1, 2, 2, 2], 'x': [0., 1., 2.] * 2,"
        " 'y': [1., 2., 3., 2., 4., 6.]})\n"
        "t = pyminpack.curve_fit_groups(lambda x, a, b: a + b * x, d, 'x',"
        " 'y', 'g')\n"
        "print('pandas' in sys.modules, list(t['b'].round(6)))\n")
    assert out.split("\n")[:2] == ["False", "True [1.0, 2.0]"]


def test_without_pandas_an_import_error_names_the_extra():
    out = run_alone(
        "import sys\n"
        "sys.modules['pandas'] = None\n"
        "import pyminpack\n"
        "try:\n"
        "    pyminpack.curve_fit_groups(None, None, 'x', 'y', 'g')\n"
        "except ImportError as err:\n"
        "    print(err)\n")
    assert out.strip() == ("curve_fit_groups needs pandas: pip install "
                           "pyminpack[pandas]")


def test_a_missing_key_is_a_group_and_sort_false_keeps_first_appearance():
    data = long_table(seed=31, groups=4)
    data.loc[data["subject"] == "s02", "subject"] = None
    table = curve_fit_groups(decay, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1])
    assert len(table) == 4 and table.index.isna().sum() == 1
    assert table["points"].sum() == len(data)   # no row silently dropped
    unsorted = curve_fit_groups(decay, data, "t", "y", "subject",
                                p0=[2.0, 1.0, 0.1], sort=False)
    first_seen = list(dict.fromkeys(data["subject"].tolist()))
    assert [k if isinstance(k, str) else None for k in unsorted.index] == \
        [k if isinstance(k, str) else None for k in first_seen]
    assert unsorted.loc["s01", "a"] == table.loc["s01", "a"]


def decay_jacobian(t, a, b, c):
    e = np.exp(-b * t)
    return np.stack([e, -a * t * e, np.ones_like(a * t)], axis=-1)


def test_a_jacobian():
    data = with_nan_rows(long_table(seed=33))
    table, covariance, result = fit_groups(
        decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1], sigma="sd",
        jac=decay_jacobian, nan_policy="omit")
    expected = reference(decay, data, "t", "y", "subject", p0=[2.0, 1.0, 0.1],
                         sigma="sd", jac=decay_jacobian, nan_policy="omit")
    assert_groups_are_curve_fit(table, covariance, expected, ["a", "b", "c"])
    assert (result.njev[result.success] > 0).all()


def test_progress_counts_the_groups_fitted():
    data = long_table(seed=35)
    keys = sorted(data["subject"].unique())
    data = data[data["subject"] != keys[0]].copy()
    data.loc[data["subject"] == keys[1], "y"] = np.nan   # not run
    seen = []
    table = curve_fit_groups(decay, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1], progress=
                             lambda done, total: seen.append((done, total)))
    assert len(table) == 11 and not table.loc[keys[1], "success"]
    assert seen[-1] == (10, 10)


def test_the_docstring_example_runs():
    from pyminpack import _curve_fit_groups
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(
            _curve_fit_groups.curve_fit_groups, "curve_fit_groups"):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted >= 7 and result.failed == 0
