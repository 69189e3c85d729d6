"""curve_fit_groups with bounds: each group is pyminpack.curve_fit with
bounds on its rows, to the bit, with the table's bounds (curve_fit's
forms) or per group (DataFrames of lower and upper bounds indexed by
group).  A group whose bounds cannot be used, or whose start is outside
them, is a reported row, never an exception for the table.
"""

import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_groups
from test_groups import (assert_groups_are_curve_fit, decay, fit_groups,
                         long_table)

pd = pytest.importorskip("pandas")

NAMES = ["a", "b", "c"]


def bounded_reference(data, p0, bounds_of):
    """{key: curve_fit(..., bounds=bounds_of(key)) on the group's rows, or
    the exception it raised}."""
    fits = {}
    for key, rows in data.groupby("subject", sort=True):
        t, y = rows["t"].to_numpy(float), rows["y"].to_numpy(float)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                fits[key] = curve_fit(decay, t, y, p0, bounds=bounds_of(key))
        except RuntimeError as err:  # the group's fit fails
            fits[key] = err
    return fits


@pytest.mark.parametrize("vectorized", [True, False])
@pytest.mark.parametrize("p0", [None, [2.0, 1.0, 0.1]])
def test_the_tables_bounds_as_curve_fits(vectorized, p0):
    """c's upper bound binds for some groups (their offsets reach 0.3)."""
    data = long_table()
    bounds = ([0.0, 0.0, 0.0], [10.0, 5.0, 0.12])
    table, covariance, result = fit_groups(
        decay, data, "t", "y", "subject", p0=p0, bounds=bounds,
        vectorized=vectorized)
    expected = bounded_reference(data, p0, lambda key: bounds)
    assert_groups_are_curve_fit(table, covariance, expected, NAMES)
    assert result.at_bound[:, 2].any() and (table["c"].dropna() <= 0.12).all()


@pytest.mark.parametrize("p0", [None, [2.0, 0.5, 0.1]])
def test_per_group_bounds_frames_fix_and_bound_per_group(p0):
    """p0=None: scipy's feasible start from each group's own bounds."""
    data = long_table()
    keys = sorted(data["subject"].unique())
    lower = pd.DataFrame({"a": 0.0, "b": 0.0, "c": -np.inf}, index=keys)
    upper = pd.DataFrame({"a": np.inf, "b": 5.0, "c": np.inf}, index=keys)
    lower.loc[keys[1], "c"] = upper.loc[keys[1], "c"] = 0.1  # c fixed
    upper.loc[keys[2], "b"] = 0.6                              # b binds?
    table, covariance, result = fit_groups(
        decay, data, "t", "y", "subject", p0=p0,
        bounds=(lower, upper[["c", "a", "b"]]))  # columns in any order
    expected = bounded_reference(
        data, p0, lambda key: (lower.loc[key].to_numpy(float),
                                            upper.loc[key].to_numpy(float)))
    assert_groups_are_curve_fit(table, covariance, expected, NAMES)
    assert table.loc[keys[1], "c"] == 0.1
    assert covariance.loc[keys[1]]["c"].to_numpy().tolist() == [0.0] * 3
    assert table.loc[keys[2], "b"] <= 0.6


def test_a_groups_unusable_bounds_or_infeasible_start_is_reported():
    data = long_table()
    keys = sorted(data["subject"].unique())
    lower = pd.DataFrame({"a": 0.0, "b": 0.0, "c": -np.inf}, index=keys)
    upper = pd.DataFrame({"a": 10.0, "b": 5.0, "c": np.inf}, index=keys)
    lower.loc[keys[0], "b"] = 3.0          # the start b=1 is below it
    upper.loc[keys[1], "a"] = np.nan       # a NaN bound
    lower.loc[keys[2], "a"] = 20.0         # lb > ub
    upper = upper.drop(index=keys[3])      # no row
    table = curve_fit_groups(decay, data, "t", "y", "subject",
                             p0=[2.0, 1.0, 0.1], bounds=(lower, upper))
    messages = table["message"]
    assert messages[keys[0]] == (
        "Not run: x0 is infeasible: the start of parameter 'b' is 1.0, "
        "outside its bounds [3.0, 5.0].")
    assert messages[keys[1]] == ("Not run: the upper bound of parameter 'a' "
                                 "is nan (no bound is inf).")
    assert messages[keys[2]] == ("Not run: the bounds of parameter 'a' have "
                                 "lb=20.0 > ub=10.0.")
    assert messages[keys[3]] == ("Not run: the upper bounds have no row for "
                                 "this group.")
    assert not table.loc[keys[:4], "success"].any()
    assert (table.loc[keys[:4], "ier"] == 0).all()
    assert table.loc[keys[4:], "success"].sum() >= 6


def test_an_infeasible_start_under_the_tables_bounds_is_a_groups_row():
    """A start from a callable may be infeasible for one group only."""
    data = long_table()

    def start(t, y):
        return np.array([y.max(), 1.0, 0.1])  # a > 2.5 for some groups

    table = curve_fit_groups(decay, data, "t", "y", "subject", p0=start,
                             bounds=([0, 0, 0], [2.5, 5, 1]))
    infeasible = table["message"].str.startswith(
        "Not run: x0 is infeasible: the start of parameter 'a'")
    assert infeasible.any() and not infeasible.all()
    assert not table.loc[infeasible, "success"].any()


def test_the_tables_bounds_in_a_wrong_form_raise_as_in_curve_fit():
    data = long_table()
    with pytest.raises(ValueError, match=r"^curve_fit_groups: the lower "
                       r"bounds have shape \(2,\); they must be one value "
                       r"or one per parameter \(n=3\)"):
        curve_fit_groups(decay, data, "t", "y", "subject",
                         bounds=([0, 0], [1, 1, 1]))
    with pytest.raises(ValueError, match=r"^curve_fit_groups: the lower "
                       r"bounds have shape \(12, 3\); they must be one "
                       r"value or one per parameter \(n=3\)"):
        # Rows per group are DataFrames indexed by group, never positions.
        curve_fit_groups(decay, data, "t", "y", "subject",
                         bounds=(np.zeros((12, 3)), np.inf))
    with pytest.raises(ValueError, match="^curve_fit_groups: each lower "
                       "bound must be less than or equal"):
        curve_fit_groups(decay, data, "t", "y", "subject",
                         bounds=(1.0, 0.0))
    with pytest.raises(ValueError, match="^curve_fit_groups: the lower "
                       "bounds' columns must be the parameters"):
        curve_fit_groups(decay, data, "t", "y", "subject",
                         bounds=(pd.DataFrame({"a": [0.0]}), np.inf))
