"""``curve_fit_groups``: one nonlinear fit per group of a long table.

R's ``nlsList(y ~ model | group, data)`` for pandas: each group of rows is
fitted exactly as ``curve_fit`` fits it on its own, and the results come
back as a DataFrame indexed by the group keys.  The groups become the
padded rows of ``_group_rows`` (ragged groups, replicates kept, the
user's NaN rows handled by nan_policy before any fit) and run as one
``curve_fit_batch`` (``fit_rows``, its core), never a loop of fits.  A
group that ``curve_fit`` would refuse is reported, with why, in its row.
"""

import numpy as np

from . import _curve_fit_inputs as inputs
from . import _bounds
from ._curve_fit_batch import _check_keywords, fit_rows
from ._group_bounds import group_bounds, note_infeasible
from ._group_rows import group_rows
from ._group_starts import group_starts
from ._group_table import (GroupLayout, Table, covariance_frame,
                           import_pandas, result_frame)

__all__ = ["curve_fit_groups"]

_WHO = "curve_fit_groups"

# The result's columns besides the parameters and their standard errors.
_STATUS_COLUMNS = ("points", "success", "ier", "nfev", "message")


def curve_fit_groups(f, data, x, y, by, *, p0=None, sigma=None,
                     absolute_sigma=False, bounds=None, jac=None,
                     nan_policy=None, param_names=None, p0_vectorized=False,
                     sort=True, vectorized=True, full_output=False,
                     progress=False, **kwargs):
    """
    Fit one model to every group of rows of a DataFrame (R's ``nlsList``).

    Group g is fitted exactly as ``pyminpack.curve_fit(f, x_g, y_g, p0_g,
    sigma_g, absolute_sigma, bounds=bounds_g, jac=jac,
    nan_policy=nan_policy)`` fits it,
    to the last bit, where ``x_g``, ``y_g`` and ``sigma_g`` are the
    group's rows of those columns in the table's order (replicate rows
    kept, never averaged).  All groups run as one batch
    (:func:`curve_fit_batch`), not as a loop of fits.  A group that
    ``curve_fit`` would refuse, or whose fit fails, is reported in its row
    of the result, never raised.

    Needs pandas (``pip install pyminpack[pandas]``), which is imported
    only when this function is called.

    Parameters
    ----------
    f : callable
        The model ``f(x, p1, ..., pn)``, written for one group as for
        ``curve_fit``; with `vectorized` (the default) it gets the
        parameters of many groups at once as (k, 1) columns (see
        :func:`curve_fit_batch`).
    data : pandas.DataFrame
        The long table: one row per measurement.
    x : column label, or list of labels
        The predictor.  A list names several predictors, which f gets as
        a (c, m) array, as ``curve_fit`` takes them (``t, dose = x``): a
        per-group covariate such as a dose is one more predictor column.
    y : column label
        The response.
    by : column label, or list of labels
        The column(s) naming the group; several give a MultiIndex.
    p0 : None, array_like (n,), DataFrame or callable, keyword-only
        None: ``ones(n)``.  One start for every group.  A DataFrame
        indexed by group key with one column per parameter (a group
        without a row is reported, not fitted).  A callable ``p0(x_g,
        y_g) -> (n,)`` called per group with the points its fit uses (a
        self-starting model, as R's SSlogis); an exception it raises for a
        group is reported for that group.
    p0_vectorized : bool, keyword-only
        With a callable `p0`: call it once for all the groups to be
        fitted, ``p0(x, y) -> (k, n)``, x (k, M) (or (c, k, M)) and y (k,
        M) holding each group's points in a row, in the table's order,
        NaN after them (numpy's nan-functions skip it).  Much cheaper
        than a call per group.
    sigma : column label or None, keyword-only
        The column of standard deviations of y.
    absolute_sigma : bool, keyword-only
        As in ``curve_fit``.
    bounds : pair, optional, keyword-only
        As ``curve_fit``'s (a pair ``(lb, ub)`` of scalars or length-n
        arrays, or an object with ``lb`` and ``ub``): every group's, run
        on MINPACK's LM through pyminpack's change of variables (``lb ==
        ub`` fixes a parameter).  Or per group: ``(lower, upper)`` where a
        side may be a DataFrame indexed by group key with a column per
        parameter (-inf/inf for no bound).  With bounds, ``p0=None`` is
        scipy's feasible start.  A group without a row in such a
        DataFrame, with a NaN or lb > ub in its row, or whose start is
        outside its bounds ("x0 is infeasible", naming the parameter) is
        reported in its row, not fitted; the table's bounds in a wrong
        shape or with lb > ub raise, as in ``curve_fit``.
    jac : callable, optional, keyword-only
        As in :func:`curve_fit_batch`.
    nan_policy : {None, 'raise', 'omit'}, keyword-only
        As ``curve_fit``'s, group by group: None refuses a group with NaN
        or inf in y or x, 'raise' one with NaN (each reported, with the
        row); 'omit' drops the rows where y or an x is NaN.
    param_names : list of str, optional, keyword-only
        The result's names for the parameters; by default f's positional
        parameters after the first (needed for ``f(x, *p)``).
    sort : bool, keyword-only
        Sort the groups by key, as ``DataFrame.groupby``'s sort (default).
        Rows whose key is NaN form a group of their own.
    vectorized, progress
        As in :func:`curve_fit_batch` (the bar is named curve_fit_groups).
    full_output : bool, keyword-only
        Also return the covariances and the batch's result (below).
    **kwargs
        MINPACK's options, as for :func:`curve_fit_batch`: ``ftol``,
        ``xtol``, ``gtol``, ``maxfev``, ``epsfcn``, ``factor``, ``diag``,
        ``col_deriv``.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by the group keys: one column per parameter (NaN where the
        fit failed), ``<name>_se`` their standard errors (inf where the
        covariance cannot be estimated), ``points`` the number of points
        the fit uses, ``success``, ``ier`` (0 for a group not run),
        ``nfev`` and ``message`` (leastsq's, or why the group was not
        run).
    covariance : pandas.DataFrame
        With `full_output`: indexed by (group keys..., parameter), a column
        per parameter; ``covariance.loc[key]`` is the group's pcov.
    result : BatchResult
        With `full_output`: the batch's result, one fit per row of
        `table`, in its order.

    Warns
    -----
    OptimizeWarning
        Once, naming the first few groups whose covariance could not be
        estimated (as many points as parameters, a singular Jacobian).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from pyminpack import curve_fit_groups
    >>> def decay(t, a, b):
    ...     return a * np.exp(-b * t)
    >>> t = np.linspace(0.0, 4.0, 8)
    >>> data = pd.DataFrame({"run": np.repeat(["A", "B"], 8),
    ...                      "t": np.tile(t, 2),
    ...                      "y": np.concatenate([decay(t, 2.0, 0.5),
    ...                                           decay(t, 3.0, 1.5)])})
    >>> table = curve_fit_groups(decay, data, "t", "y", "run")
    >>> table[["a", "b", "points"]].round(6)  # doctest: +NORMALIZE_WHITESPACE
           a    b  points
    run
    A    2.0  0.5       8
    B    3.0  1.5       8
    """
    pandas = import_pandas(_WHO)
    _check_keywords(kwargs, _WHO)
    policy = inputs.check_nan_policy(nan_policy)
    table = Table(pandas, data, x, y, by, sigma, sort, _WHO)
    if table.count == 0:
        raise ValueError(f"{_WHO}: data has no rows")
    names = _parameter_names(f, p0, param_names)
    n = len(names)
    notes = {}
    kept = _screen_data(table, policy, notes)
    if table.sigma is not None:
        _screen_sigma(table, kept, notes)
    points = np.bincount(table.ids[kept], minlength=table.count)
    _note_too_few(points, table, kept, policy, n, notes)
    noted = np.zeros(table.count, bool)
    noted[list(notes)] = True
    rows = group_rows(table.ids, kept & ~noted[table.ids], table.count,
                      least=n)
    ydata = rows.pad(table.y)
    x_rows = rows.pad(table.x)  # NaN-padded, for p0(x, y)
    runnable = np.flatnonzero(~noted)
    starts = group_starts(p0, names, pandas, table.index, runnable,
                          x_rows[0] if table.one_x else x_rows, ydata,
                          rows.counts, p0_vectorized, notes, _WHO)
    limits = group_bounds(bounds, names, pandas, table.index, notes, _WHO)
    if limits is not None:
        if p0 is None:  # scipy's feasible start, group by group
            starts = np.array(np.broadcast_to(
                _bounds.feasible_start(*limits), starts.shape))
        note_infeasible(starts, limits, names, notes)
    xrows = rows.edge_padded(table.x)
    xrows = xrows[0] if table.one_x else np.ascontiguousarray(
        np.moveaxis(xrows, 0, 1))
    sigma_rows = None if table.sigma is None else rows.pad(table.sigma,
                                                           fill=1)
    layout = GroupLayout(table.index, ydata.shape[1], _WHO)
    popt, pcov, result = fit_rows(
        f, None, xrows, ydata, starts, layout, sigma=sigma_rows,
        absolute_sigma=absolute_sigma, jac=jac, check_finite=False,
        explicit_no_check=False, nan_policy="omit", vectorized=vectorized,
        full_output=full_output, progress=progress, options=kwargs,
        notes=notes, limits=limits)
    messages = _messages(result)
    frame = result_frame(pandas, table.index, names, popt, result.perr,
                         points, result, messages)
    if full_output:
        return frame, covariance_frame(pandas, table.index, names,
                                       pcov), result
    return frame


def _parameter_names(f, p0, param_names):
    """param_names=, else f's positional parameters after the first, else
    (for ``f(x, *p)``) the columns of a DataFrame p0."""
    if param_names is not None:
        names = [str(name) for name in param_names]
    else:
        parameters = list(inputs._signature(f).parameters.values())
        names = [p.name for p in parameters[1:]
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if any(p.kind == p.VAR_POSITIONAL for p in parameters) or not names:
            if not hasattr(p0, "columns"):
                raise ValueError(
                    f"{_WHO}: cannot name the parameters of {_name(f)} from "
                    f"its signature; pass param_names=")
            names = [str(name) for name in p0.columns]
    if not names:
        raise ValueError(f"{_WHO}: there is no parameter to fit")
    taken = set(_STATUS_COLUMNS) | {f"{name}_se" for name in names}
    clash = [name for name in names if name in taken]
    if clash or len(set(names)) != len(names):
        raise ValueError(
            f"{_WHO}: the parameter names {names} clash with each other or "
            f"with the result's columns {list(_STATUS_COLUMNS)} and "
            f"<name>_se; pass other param_names=")
    return names


def _messages(result):
    """Each group's message.  A fit that ran has leastsq's message for its
    ier (and status), the same for many groups: formed once for each."""
    texts, formed = [], {}
    for k, (ier, status) in enumerate(zip(result.ier.tolist(),
                                          result.status.tolist())):
        if ier == 0:  # not run: its own note, or MINPACK's refusal
            texts.append(result.message(k))
            continue
        if (ier, status) not in formed:
            formed[ier, status] = result.message(k)
        texts.append(formed[ier, status])
    return texts


def _name(f):
    return getattr(f, "__name__", type(f).__name__)


def _first_row_per_group(rows, ids):
    """{group: its first row among `rows` (ascending row numbers)}."""
    groups, first = np.unique(ids[rows], return_index=True)
    return dict(zip(groups.tolist(), rows[first].tolist()))


def _screen_data(table, policy, notes):
    """The rows the fits use; the groups curve_fit would refuse for their
    NaN (or inf, without a policy) go to `notes`, y looked at before x as
    curve_fit does."""
    if policy == "omit":
        return ~(np.isnan(table.y) | np.isnan(table.x).any(axis=0))
    test = np.isnan if policy == "raise" else (lambda v: ~np.isfinite(v))
    if policy == "raise":
        why = "(nan_policy='raise')"
    else:
        why = ("(without a nan_policy, curve_fit refuses NaN and inf; "
               "nan_policy='omit' drops the rows with NaN)")
    columns = [(table.y_name, table.y)] + list(zip(table.x_names, table.x))
    for name, values in columns:
        bad = np.flatnonzero(test(values))
        for group, row in _first_row_per_group(bad, table.ids).items():
            if group not in notes:
                notes[group] = (f"Not run: column {name!r} is {values[row]} "
                                f"at row {table.row_name(row)} {why}.")
    return np.ones(table.y.size, bool)


def _screen_sigma(table, kept, notes):
    sigma = table.sigma
    bad = np.flatnonzero(kept & ((sigma == 0) | ~np.isfinite(sigma)))
    for group, row in _first_row_per_group(bad, table.ids).items():
        if group not in notes:
            notes[group] = (f"Not run: sigma column {table.sigma_name!r} is "
                            f"{sigma[row]} at row {table.row_name(row)}; "
                            f"standard deviations must be finite and "
                            f"non-zero.")


def _note_too_few(points, table, kept, policy, n, notes):
    rows = np.bincount(table.ids, minlength=table.count)
    for group in np.flatnonzero(points < n).tolist():
        if group in notes:
            continue
        dropped = rows[group] - points[group]
        after = (f" ({dropped} rows with NaN dropped)"
                 if policy == "omit" and dropped else "")
        notes[group] = (f"Not run: the group has {points[group]} points"
                        f"{after} and needs at least {n}, one per "
                        f"parameter.")
