"""``curve_fit_batch(engine="numba")``: the user's one-curve model compiled
with numba inside a generated compiled residual (and Jacobian), run by the
compiled kind of ``leastsq_batch`` on its C thread pool: no GIL and no
Python per evaluation.

numba is imported here only, and this module only when a batch asks for
the numba engine, so ``import pyminpack`` never imports numba.

What the generated functions compute is, element by element, what the
numpy engine's residual computes (``_curve_fit_batch._vectorized_functions``):
``w * (f(xdata, *p) - y)`` for the points in the curve's order (each
curve's kept points first, zeros after, with nan_policy='omit'), and
``w * J`` along the points of the Jacobian.  So the fits are the numpy
engine's to the bit wherever numba's arithmetic for the model is numpy's
(docs/guide/many_fits.md, "The numba engine").

Fit k's user_data is row k of a float64 array (int64 values stored by
their bits):

    slot 0                the address of the batch's shared block
    slot 1                the number of points the curve keeps (omit only)
    slot 2                the address of the fit's row of `raised` (K, n),
                          where it writes the parameters at which f or jac
                          raised (a row of its own: the rows given to the
                          engine may be copies)
    then y (m)            the curve, in ydata's point order
    then w (m)            its weights (sigma of shape (K, m) only)
    then order (m)        the indices of its kept points, then the
                          others (omit only): residual i is point order[i]

and the shared block holds xdata's shape (ndim slots), the shared weights
(1 or m, for a scalar or (m,) sigma) and xdata itself, C order.
"""

import collections
import functools
import threading
import time

import numpy as np

__all__ = ["CompileError", "CompiledModel", "compiled_model", "row_arrays",
           "weights_kind", "F_RAISED", "JAC_RAISED", "F_WRONG_SIZE",
           "JAC_WRONG_SIZE", "CACHE"]

# What the generated functions return when they stop a fit (the fit's
# ``status``; curve_fit_batch turns it into the exception after the batch).
F_RAISED, JAC_RAISED, F_WRONG_SIZE, JAC_WRONG_SIZE = 1, 2, 3, 4

# The kinds of weights, compile-time constants of the generated code.
NO_WEIGHTS, SCALAR_WEIGHT, SHARED_WEIGHTS, CURVE_WEIGHTS = 0, 1, 2, 3

_ROW_HEAD = 3  # shared block, points kept, raised row: addresses


def weights_kind(weights, per_curve):
    """The kind of weights (1/sigma) of a batch, as the generated code
    takes them."""
    if weights is None:
        return NO_WEIGHTS
    if per_curve:
        return CURVE_WEIGHTS
    return SCALAR_WEIGHT if np.size(weights) == 1 else SHARED_WEIGHTS


class CompileError(TypeError):
    """numba cannot compile the model (or its jac) for the numba engine."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


# --------------------------------------------------------------- template

def generated_source(n, xdata_ndim, with_jac):
    """The source of ``residual`` (and ``jacobian``) for n parameters and
    an xdata of `xdata_ndim` dimensions.

    What else varies (the kind of weights, nan_policy='omit', col_deriv)
    is a constant of the namespace the source runs in (WEIGHTS, OMIT,
    COLUMNS), passed to the helpers of ``_kernels``, which LLVM inlines and
    folds.  For n = 3 and a 1-D xdata this returns::

        def residual(m, n, x_pointer, fvec_pointer, user_data):
            x = carray(x_pointer, (n,))
            fvec = carray(fvec_pointer, (m,))
            row = carray(user_data, (row_length(m, n, WEIGHTS, OMIT),))
            shared = shared_block(row)
            xdata = carray(xdata_at(shared, m, XDATA_NDIM, WEIGHTS),
                           (shape_of(shared, 0), ))
            try:
                values = model(xdata, x[0], x[1], x[2])
            except Exception:
                return stop(row, x, F_RAISED)
            if values.ndim != 1 or values.shape[0] != m:
                return stop(row, x, F_WRONG_SIZE)
            y = curve(row, m, n)
            for i in range(m):
                j = point(row, m, n, i, WEIGHTS, OMIT)  # -1: omitted
                if j < 0:
                    fvec[i] = 0.0
                elif WEIGHTS == NO_WEIGHTS:
                    fvec[i] = values[j] - y[j]
                else:
                    fvec[i] = (weight(shared, row, m, n, j, XDATA_NDIM,
                                      WEIGHTS) * (values[j] - y[j]))
            return 0

    and ``jacobian`` alike, with ``jac(xdata, x[0], x[1], x[2])`` and
    ``fjac[i + c * ldfjac]`` = ``w_j * J[j, c]``.
    """
    params = ", ".join(f"x[{j}]" for j in range(n))
    shape = "".join(f"shape_of(shared, {d}), " for d in range(xdata_ndim))
    source = f"""
def residual(m, n, x_pointer, fvec_pointer, user_data):
    x = carray(x_pointer, (n,))
    fvec = carray(fvec_pointer, (m,))
    row = carray(user_data, (row_length(m, n, WEIGHTS, OMIT),))
    shared = shared_block(row)
    xdata = carray(xdata_at(shared, m, XDATA_NDIM, WEIGHTS),
                   ({shape}))
    try:
        values = model(xdata, {params})
    except Exception:
        return stop(row, x, F_RAISED)
    if values.ndim != 1 or values.shape[0] != m:
        return stop(row, x, F_WRONG_SIZE)
    y = curve(row, m, n)
    for i in range(m):
        j = point(row, m, n, i, WEIGHTS, OMIT)
        if j < 0:
            fvec[i] = 0.0
        elif WEIGHTS == NO_WEIGHTS:
            fvec[i] = values[j] - y[j]
        else:
            fvec[i] = (weight(shared, row, m, n, j, XDATA_NDIM, WEIGHTS)
                       * (values[j] - y[j]))
    return 0
"""
    if with_jac:
        source += f"""
def jacobian(m, n, x_pointer, fjac_pointer, ldfjac, user_data):
    x = carray(x_pointer, (n,))
    fjac = carray(fjac_pointer, (ldfjac * n,))
    row = carray(user_data, (row_length(m, n, WEIGHTS, OMIT),))
    shared = shared_block(row)
    xdata = carray(xdata_at(shared, m, XDATA_NDIM, WEIGHTS),
                   ({shape}))
    try:
        matrix = as_matrix(jac(xdata, {params}), COLUMNS)
    except Exception:
        return stop(row, x, JAC_RAISED)
    if not jacobian_fits(matrix, m, n, COLUMNS):
        return stop(row, x, JAC_WRONG_SIZE)
    for i in range(m):
        j = point(row, m, n, i, WEIGHTS, OMIT)
        for c in range(n):
            if j < 0:
                fjac[i + c * ldfjac] = 0.0
            elif WEIGHTS == NO_WEIGHTS:
                fjac[i + c * ldfjac] = entry(matrix, j, c, COLUMNS)
            else:
                fjac[i + c * ldfjac] = (
                    weight(shared, row, m, n, j, XDATA_NDIM, WEIGHTS)
                    * entry(matrix, j, c, COLUMNS))
    return 0
"""
    return source


@functools.cache
def _kernels():
    """The small compiled functions the generated source calls, built once
    per process (numba compiles each once per argument types, so the
    variants of every model share them)."""
    from numba import carray, njit, types
    from numba.extending import intrinsic

    @intrinsic
    def doubles_at(typingctx, address):
        # The one thing numba has no public function for: an int64 address
        # (stored in a row by its bits) as a double pointer.
        signature = types.CPointer(types.float64)(types.int64)

        def codegen(context, builder, sig, args):
            return builder.inttoptr(args[0],
                                    context.get_value_type(sig.return_type))
        return signature, codegen

    @njit
    def row_length(m, n, weights, omit):
        return (_ROW_HEAD
                + (1 + (weights == CURVE_WEIGHTS) + (1 if omit else 0)) * m)

    @njit
    def shared_block(row):
        return row[:1].view(np.int64)[0]

    @njit
    def shape_of(shared, d):
        return carray(doubles_at(shared), (d + 1,)).view(np.int64)[d]

    @njit
    def xdata_at(shared, m, xdata_ndim, weights):
        # The shape (ndim slots), then the shared weights (0, 1 or m),
        # then xdata.
        skip = xdata_ndim
        if weights == SCALAR_WEIGHT:
            skip += 1
        elif weights == SHARED_WEIGHTS:
            skip += m
        return doubles_at(shared + 8 * skip)

    @njit
    def curve(row, m, n):
        return row[_ROW_HEAD:_ROW_HEAD + m]

    @njit
    def point(row, m, n, i, weights, omit):
        if not omit:
            return i
        if i >= row[1:2].view(np.int64)[0]:  # the points kept come first
            return -1
        start = _ROW_HEAD + (2 if weights == CURVE_WEIGHTS else 1) * m
        return row[start + i:start + i + 1].view(np.int64)[0]

    @njit
    def weight(shared, row, m, n, j, xdata_ndim, weights):
        if weights == CURVE_WEIGHTS:
            return row[_ROW_HEAD + m + j]
        if weights == SCALAR_WEIGHT:
            return carray(doubles_at(shared + 8 * xdata_ndim), (1,))[0]
        if weights == SHARED_WEIGHTS:
            return carray(doubles_at(shared + 8 * xdata_ndim), (j + 1,))[j]
        return 1.0

    @njit
    def stop(row, x, status):
        # Where f or jac raised, for curve_fit_batch to raise it again.
        raised = carray(doubles_at(row[2:3].view(np.int64)[0]),
                        (x.shape[0],))
        raised[:] = x
        return status

    @njit
    def as_matrix(matrix, columns):
        # A (m,) Jacobian of a 1-parameter model is one column (one row
        # with col_deriv), as the numpy engine takes it.
        if matrix.ndim == 1:
            if columns:
                return matrix.reshape((1, matrix.shape[0]))
            return matrix.reshape((matrix.shape[0], 1))
        return matrix

    @njit
    def jacobian_fits(matrix, m, n, columns):
        if columns:
            return matrix.shape[0] == n and matrix.shape[1] == m
        return matrix.shape[0] == m and matrix.shape[1] == n

    @njit
    def entry(matrix, j, c, columns):
        if columns:
            return matrix[c, j]
        return matrix[j, c]

    return dict(carray=carray, row_length=row_length,
                shared_block=shared_block, shape_of=shape_of,
                xdata_at=xdata_at, curve=curve, point=point, weight=weight,
                stop=stop, as_matrix=as_matrix, jacobian_fits=jacobian_fits,
                entry=entry)


# ----------------------------------------------------------------- build

class CompiledModel:
    """The generated cfuncs of one key, and the jitted model and jac (for
    raising their exceptions again in Python)."""

    __slots__ = ("residual", "jacobian", "model", "jac", "seconds")

    def __init__(self, residual, jacobian, model, jac, seconds):
        self.residual = residual
        self.jacobian = jacobian
        self.model = model
        self.jac = jac
        self.seconds = seconds


def _import_numba(who):
    try:
        import numba
    except ImportError as err:
        raise CompileError(
            f"{who}: engine='numba' needs numba (pip install numba); "
            f"engine='numpy' runs without it", "numba is not installed"
        ) from err
    return numba


def _jitted(numba, function, role, who):
    if isinstance(function, numba.core.dispatcher.Dispatcher):
        return function
    if type(function).__name__ == "CFunc":
        raise CompileError(
            f"{who}: engine='numba' compiles {role} itself: pass the Python "
            f"function (or an @njit one), not a @cfunc",
            f"{role} is a numba cfunc")
    return numba.njit(function)


def _first_lines(text, count=8):
    lines = [line for line in str(text).splitlines() if line.strip()]
    return "\n".join(lines[:count])


def _compile(numba, dispatcher, argument_types, role, name, who):
    """Compile the model (or jac) for one curve; its return type."""
    try:
        dispatcher.compile(argument_types)
        signature = dispatcher.nopython_signatures[-1]
    except Exception as err:  # numba's many error types, all a refusal
        if isinstance(err, MemoryError):
            raise
        reason = _first_lines(err)
        raise CompileError(
            f"{who}: engine='numba' cannot compile {role} {name!r} for one "
            f"curve ({role}(xdata, p1, ..., pn) with float parameters):\n"
            f"{reason}\nengine='numpy' runs any numpy model "
            f"(engine='auto' falls back to it)",
            f"numba cannot compile {role} {name!r}: "
            f"{_first_lines(err, 2)}") from None
    return signature.return_type


def _check_return(numba, returned, role, name, n, who):
    types = numba.types
    ndims = (1,) if role == "f" else ((1, 2) if n == 1 else (2,))
    if (not isinstance(returned, types.Array) or returned.ndim not in ndims
            or not isinstance(returned.dtype, (types.Float, types.Integer,
                                               types.Boolean))):
        wanted = ("a 1-D real array of the m points" if role == "f" else
                  "a 2-D real array (m, n) ((n, m) with col_deriv)")
        raise CompileError(
            f"{who}: engine='numba' needs {role} {name!r} to return {wanted} "
            f"for one curve; numba types its result as {returned}; "
            f"engine='numpy' takes any numpy model",
            f"{role} {name!r} returns {returned}, not {wanted}")


def build(f, jac, n, xdata_ndim, weights, omit, col_deriv, who):
    """Compile f (and jac) for one curve and generate the cfuncs around
    them: a CompiledModel.  Raises CompileError when numba cannot."""
    numba = _import_numba(who)
    started = time.perf_counter()
    types = numba.types
    argument_types = (types.Array(types.float64, xdata_ndim, "C"),
                      *(types.float64,) * n)
    model = _jitted(numba, f, "f", who)
    name = getattr(f, "__name__", type(f).__name__)
    _check_return(numba, _compile(numba, model, argument_types, "f", name,
                                  who), "f", name, n, who)
    jitted_jac = None
    if jac is not None:
        jitted_jac = _jitted(numba, jac, "jac", who)
        jac_name = getattr(jac, "__name__", type(jac).__name__)
        _check_return(numba, _compile(numba, jitted_jac, argument_types,
                                      "jac", jac_name, who), "jac", jac_name,
                      n, who)
    namespace = dict(_kernels())
    namespace.update(
        np=np, model=model, jac=jitted_jac, WEIGHTS=weights,
        NO_WEIGHTS=NO_WEIGHTS, OMIT=bool(omit), COLUMNS=bool(col_deriv),
        XDATA_NDIM=xdata_ndim,
        F_RAISED=F_RAISED, JAC_RAISED=JAC_RAISED, F_WRONG_SIZE=F_WRONG_SIZE,
        JAC_WRONG_SIZE=JAC_WRONG_SIZE)
    exec(generated_source(n, xdata_ndim, jac is not None), namespace)
    pointer = types.CPointer(types.double)
    residual = numba.cfunc(types.intc(types.intc, types.intc, pointer,
                                      pointer, pointer))(
        namespace["residual"])
    jacobian = None
    if jac is not None:
        jacobian = numba.cfunc(types.intc(types.intc, types.intc, pointer,
                                          pointer, types.intc, pointer))(
            namespace["jacobian"])
    return CompiledModel(residual, jacobian, model, jitted_jac,
                         time.perf_counter() - started)


# ----------------------------------------------------------------- cache

class CompiledModelCache:
    """The compiled models of this process by explicit key, at most `size`
    of them, the least recently used dropped first.

    The key is (f, jac, n, xdata's ndim, kind of weights, omit,
    col_deriv): f and jac by identity (a redefined function is a new key;
    numba freezes the globals a model reads when it compiles, as it always
    does), everything else that changes the generated code by value.  An
    entry holds f and jac alive until it is dropped.
    """

    def __init__(self, size=32):
        self.size = size
        self.compilations = 0       # builds done, for tests and benchmarks
        self._entries = collections.OrderedDict()
        # One build per key at a time: two threads asking for one model
        # together would compile it twice.
        self._lock = threading.Lock()

    def get(self, key, make):
        """(CompiledModel, seconds spent compiling for this call)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry, 0.0
            entry = make()
            self.compilations += 1
            self._entries[key] = entry
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return entry, entry.seconds

    def clear(self):
        with self._lock:
            self._entries.clear()


# One cache for the process, like numba's own dispatcher caches: compiled
# code is a per-process resource and the cfuncs must outlive every batch
# that runs them.  It is a Python object (no C static state), bounded, and
# holds nothing a fit writes.
CACHE = CompiledModelCache()


def compiled_model(f, jac, n, xdata_ndim, weights, omit, col_deriv, who):
    """The CompiledModel of this variant, built once per process."""
    key = (f, jac, n, xdata_ndim, weights, bool(omit), bool(col_deriv))
    return CACHE.get(key, lambda: build(f, jac, n, xdata_ndim, weights,
                                        omit, col_deriv, who))


# ------------------------------------------------------------------ data

def row_arrays(xdata, ydata, weights, kind, points, order, n):
    """The per-fit rows (K, width), the shared block and the (K, n) array
    `raised`, as laid out in the module's docstring, for weights of this
    `kind`.  All three must stay alive during the batch."""
    xdata = np.ascontiguousarray(xdata, dtype=np.float64)
    count, m = ydata.shape
    if kind in (SCALAR_WEIGHT, SHARED_WEIGHTS):
        shared_weights = np.asarray(weights, dtype=np.float64).reshape(-1)
    else:
        shared_weights = np.empty(0)
    head = np.array(xdata.shape, dtype=np.int64).view(np.float64)
    shared = np.concatenate([head, shared_weights, xdata.reshape(-1)])
    raised = np.full((count, n), np.nan)
    rows = np.zeros((count, _ROW_HEAD + m * (
        1 + (kind == CURVE_WEIGHTS) + (order is not None))))
    integers = rows.view(np.int64)  # the int64 slots, written as such
    integers[:, 0] = shared.__array_interface__["data"][0]
    integers[:, 1] = points
    integers[:, 2] = (raised.__array_interface__["data"][0]
                      + raised.strides[0] * np.arange(count))
    column = _ROW_HEAD
    rows[:, column:column + m] = ydata
    column += m
    if kind == CURVE_WEIGHTS:
        rows[:, column:column + m] = weights
        column += m
    if order is not None:
        integers[:, column:column + m] = order
    return rows, shared, raised
