"""What a Dask task runs: one chunk of fits, with the local batch.

Workers import this module (by reference, from pickled graphs), so it
holds only what runs there: ``Shared`` (what every chunk needs, one graph
key sent once to each worker) and ``fit_chunk``.
"""

import contextlib
import re
import threading
import warnings
from typing import NamedTuple

import numpy as np

from .._batch import leastsq_batch as _local_leastsq_batch
from .._curve_fit_batch import curve_fit_batch as _local_curve_fit_batch
from .._curve_fit_inputs import COVARIANCE_WARNING, OptimizeWarning
from .._notes import add_note

__all__ = ["Shared", "CurveShared", "OUTPUTS", "RESULT_FIELDS",
           "output_names", "output_shapes", "fit_chunk", "curve_fit_chunk"]

# The result arrays, in the order a chunk returns them, with their dtype
# and the core shape of one fit's entry ('n' and 'm' stand for sizes).
OUTPUTS = {
    "x": (np.float64, ("n",)),
    "ier": (np.int32, ()),
    "nfev": (np.int32, ()),
    "njev": (np.int32, ()),
    "fnorm": (np.float64, ()),
    "cov_x": (np.float64, ("n", "n")),
    "status": (np.int32, ()),
    "fvec": (np.float64, ("m",)),
    "fjac": (np.float64, ("n", "m")),
    "ipvt": (np.int32, ("n",)),
    "qtf": (np.float64, ("n",)),
    # curve_fit_batch's own
    "popt": (np.float64, ("n",)),
    "pcov": (np.float64, ("n", "n")),
    "at_bound": (np.bool_, ("n",)),
}
_FULL_OUTPUT = ("fvec", "fjac", "ipvt", "qtf")
#: The fields of a BatchResult.
RESULT_FIELDS = ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "status",
                 ) + _FULL_OUTPUT + ("at_bound",)


def output_names(has_jacobian, full_output):
    """The names of the arrays a chunk returns."""
    return tuple(name for name in RESULT_FIELDS
                 if (name != "njev" or has_jacobian)
                 and (name not in _FULL_OUTPUT or full_output))


def output_shapes(names, n, m):
    """(dtype, shape of one fit's entry) of each output."""
    sizes = {"n": n, "m": m}
    return [(OUTPUTS[name][0], tuple(sizes[d] for d in OUTPUTS[name][1]))
            for name in names]


class Shared(NamedTuple):
    """Everything that is the same for all chunks."""

    func: object
    Dfun: object
    args: tuple
    x0: object            # the (n,) start of every fit, or None: per fit
    diag: object          # an (n,) diag for every fit, or None
    per_fit_x0: bool
    per_fit_diag: bool
    contiguous_data: bool  # a compiled func reads its row by address
    options: dict         # leastsq_batch's keyword options
    outputs: tuple        # output_names(...)
    n: int
    m: object             # int, or None (then full_output is False)
    total: int            # K, for the notes of an exception
    per_fit_bounds: bool = False  # lb, ub (K, n) come last among blocks


def _pop_bounds(blocks, options, per_fit):
    """The chunk's rows of per-fit lb and ub (the last two blocks) as the
    local batch's bounds=, or `options` unchanged."""
    if not per_fit:
        return options
    upper = blocks.pop()
    lower = blocks.pop()
    return dict(options, bounds=(lower, upper))


def fit_chunk(fit_index, *blocks, shared):
    """Run the fits of one chunk: `fit_index` is their numbers (a block of
    ``arange(K)``), `blocks` the chunk's per-fit x0, data and diag (as
    `shared` says which); returns the output arrays in ``shared.outputs``
    order."""
    blocks = [_aligned(block, shared.contiguous_data) for block in blocks]
    options = _pop_bounds(blocks, shared.options, shared.per_fit_bounds)
    x0 = blocks.pop(0) if shared.per_fit_x0 else shared.x0
    diag = blocks.pop() if shared.per_fit_diag else shared.diag
    data = tuple(blocks)
    count = fit_index.shape[0]
    start = int(fit_index[0]) if count else 0
    try:
        result = _local_leastsq_batch(
            shared.func, x0, shared.args, shared.Dfun, data=data, diag=diag,
            **options)
    except Exception as exc:
        _renumber_notes(exc, start, count, shared.total)
        raise
    return tuple(_output(result, name, count, shared)
                 for name in shared.outputs)


def _aligned(block, contiguous):
    """`block`, copied if its elements are not aligned (or, for a compiled
    func that reads rows by address, not C-contiguous).

    An array that distributed deserialises can start at any byte of its
    message (odd addresses, seen here), and numpy's loops on misaligned
    doubles, like the batch's gathering of rows, run at half speed; one
    copy costs far less than that.
    """
    requirements = ("ALIGNED", "C_CONTIGUOUS") if contiguous else (
        "ALIGNED",)
    return np.require(block, requirements=requirements)


def _output(result, name, count, shared):
    array = getattr(result, name)
    sizes = {"n": shared.n, "m": shared.m}
    shape = (count,) + tuple(sizes[d] for d in OUTPUTS[name][1])
    if array is None:  # a plain batch of no fits keeps no fvec
        return np.zeros(shape, OUTPUTS[name][0])
    if array.shape != shape:
        raise ValueError(f"pyminpack.dask.leastsq_batch: {name} of a chunk "
                         f"has shape {array.shape}, expected {shape} (is m="
                         f"{shared.m} the number of residuals?)")
    return array


# The notes the local batch adds to a callback's exception, with fit
# numbers that count from the chunk's first fit.
_PLAIN_NOTE = re.compile(r"in fit (\d+) of (\d+) \(leastsq_batch\)")
_VECTORIZED_NOTE = re.compile(
    r"in leastsq_batch\(vectorized=True\), evaluating (\d+) fits?: "
    r"\[([\d, ]*)\]( and more)?")
# curve_fit_batch's note, its curves numbered in the chunk (a chunk's
# curves are rows: one fit axis).
_CURVES_NOTE = re.compile(r"in curve_fit_batch, evaluating "
                          r"((?:curve \d+, )*curve \d+)( and more)?")


def _renumber_notes(exc, start, count, total):
    """Make the local batch's notes name fits by their number in the whole
    batch, and say which chunk failed."""
    notes = getattr(exc, "__notes__", None)
    renumbered = False
    if isinstance(notes, list):
        for i, note in enumerate(notes):
            if not isinstance(note, str):
                continue
            plain = _PLAIN_NOTE.fullmatch(note)
            vectorized = _VECTORIZED_NOTE.fullmatch(note)
            curves = _CURVES_NOTE.fullmatch(note)
            if curves:
                names = ", ".join(f"curve {start + int(k[6:])}"
                                  for k in curves[1].split(", "))
                notes[i] = (f"in pyminpack.dask.curve_fit_batch, evaluating "
                            f"{names}{curves[2] or ''}")
                renumbered = True
            elif plain:
                notes[i] = (f"in fit {start + int(plain[1])} of {total} "
                            f"(pyminpack.dask.leastsq_batch)")
                renumbered = True
            elif vectorized:
                fits = [start + int(k) for k in vectorized[2].split(",")
                        if k.strip()]
                notes[i] = (f"in pyminpack.dask.leastsq_batch"
                            f"(vectorized=True), evaluating "
                            f"{vectorized[1]} fit"
                            f"{'' if vectorized[1] == '1' else 's'}: "
                            f"{fits}{vectorized[3] or ''}")
                renumbered = True
    fit = getattr(exc, "fit", None)
    if type(fit) is int:  # the local batch's own error naming a fit
        exc.fit = start + fit
    chunk = (f"in the chunk of fits {start} to {start + count - 1} of "
             f"{total} (pyminpack.dask)")
    if not renumbered:
        chunk += f"; a fit number in the message counts from {start}"
    add_note(exc, chunk)


class CurveShared(NamedTuple):
    """What every chunk of a curve_fit_batch shares."""

    f: object
    xdata: object
    p0: object            # None, or the (n,) start of every curve
    sigma: object         # None, or the sigma of every curve
    per_fit_p0: bool
    per_fit_sigma: bool
    per_fit_diag: bool
    options: dict         # curve_fit_batch's other arguments
    outputs: tuple        # names of the result fields, after popt, pcov
    n: int
    m: int                # fvec's length (full_output only)
    total: int            # K, for the notes of an exception
    per_fit_bounds: bool = False  # lb, ub (K, n) come last among blocks


def curve_fit_chunk(fit_index, ydata, *blocks, shared):
    """curve_fit_batch on one chunk of curves: popt, pcov and the result
    fields in ``shared.outputs`` order."""
    ydata = _aligned(ydata, False)
    blocks = [_aligned(block, False) for block in blocks]
    options = _pop_bounds(blocks, dict(shared.options),
                          shared.per_fit_bounds)
    p0 = blocks.pop(0) if shared.per_fit_p0 else shared.p0
    sigma = blocks.pop(0) if shared.per_fit_sigma else shared.sigma
    if shared.per_fit_diag:
        options["diag"] = blocks.pop(0)
    count = fit_index.shape[0]
    start = int(fit_index[0]) if count else 0
    try:
        with _covariance_warning_ignored():
            popt, pcov, result = _local_curve_fit_batch(
                shared.f, shared.xdata, ydata, p0, sigma, **options)
    except Exception as exc:
        _renumber_notes(exc, start, count, shared.total)
        raise
    return (popt, pcov) + tuple(_output(result, name, count, shared)
                                for name in shared.outputs)


# The local batch warns once for its fits whose covariance is unknown; a
# chunk must not (the caller warns once for all, or pcov's inf says it).
# Threads of one process run chunks at once, and catch_warnings saves and
# restores the whole filter list, which would lose or keep filters across
# threads; so one filter is added while any chunk runs, and only it is
# removed.
_QUIET = threading.Lock()
_QUIET_CHUNKS = 0
_QUIET_FILTER: list = []  # the filter added, while chunks run


@contextlib.contextmanager
def _covariance_warning_ignored():
    global _QUIET_CHUNKS
    with _QUIET:
        if _QUIET_CHUNKS == 0:
            warnings.filterwarnings("ignore", re.escape(COVARIANCE_WARNING),
                                    OptimizeWarning)
            _QUIET_FILTER.append(warnings.filters[0])
        _QUIET_CHUNKS += 1
    try:
        yield
    finally:
        with _QUIET:
            _QUIET_CHUNKS -= 1
            if _QUIET_CHUNKS == 0:
                with contextlib.suppress(ValueError):
                    warnings.filters.remove(_QUIET_FILTER.pop())
