"""Compiled callbacks: recognising them, checking their C signature, and
finding the ``user_data`` pointer they get.

A compiled ``func`` or ``Dfun`` is one of

- a numba ``@cfunc`` object,
- a ctypes function pointer with declared ``argtypes`` and ``restype``,
- a ``PyCapsule`` whose name is its C signature,
- a ``scipy.LowLevelCallable`` (recognised by its type, scipy is never
  imported here),
- a recipe of ``pyminpack.compiled`` (``from_numba``, ``from_import``,
  ``from_library``), resolved to one of the above once per process,

with the signatures ``RESIDUAL_SIGNATURE`` and ``JACOBIAN_SIGNATURE``.
ctypes is imported only when a ctypes object has to be looked at, so
``import pyminpack`` stays as fast as it was.
"""

import re
import sys
import types
import weakref

import numpy as np

from . import _minpack
from ._batch_result import result_arrays

__all__ = ["RESIDUAL_SIGNATURE", "JACOBIAN_SIGNATURE", "Compiled",
           "is_compiled", "is_recipe", "resolve", "user_data_address"]

RESIDUAL_SIGNATURE = ("int func(int m, int n, const double *x, double *fvec, "
                      "void *user_data)")
JACOBIAN_SIGNATURE = ("int jac(int m, int n, const double *x, double *fjac, "
                      "int ldfjac, void *user_data)")

# A capsule's name with whitespace, "const" and parameter names left out;
# user_data may point to any type (as a ctypes or numba signature says).
_CAPSULE_NAMES = {
    "func": re.compile(r"int\(int,int,double\*,double\*,\w+\*\)"),
    "Dfun": re.compile(r"int\(int,int,double\*,double\*,int,\w+\*\)"),
}
_EXPECTED = {"func": RESIDUAL_SIGNATURE, "Dfun": JACOBIAN_SIGNATURE}


class Compiled:
    """A resolved compiled callback: its address, the numpy dtype its
    declared signature says user_data points to (None when it does not
    say: void *, a byte or a struct pointer) and, for a LowLevelCallable
    that carries one, its own user_data address."""

    __slots__ = ("address", "user_data", "keep", "pointee")

    def __init__(self, address, user_data=None, keep=None, pointee=None):
        self.address = address
        self.user_data = user_data   # None: take it from args
        self.keep = keep             # what must stay alive during the fit
        self.pointee = pointee       # a numpy dtype, or None


def _is_ctypes_function(obj):
    ctypes = sys.modules.get("ctypes")
    return ctypes is not None and isinstance(obj, ctypes._CFuncPtr)


def _is_low_level_callable(obj):
    cls = type(obj)
    return (cls.__name__ == "LowLevelCallable"
            and cls.__module__.split(".")[0] == "scipy"
            and isinstance(obj, tuple))


def _is_numba_cfunc(obj):
    cls = type(obj)
    return (cls.__name__ == "CFunc" and cls.__module__.startswith("numba")
            and hasattr(obj, "address") and hasattr(obj, "ctypes"))


def _is_capsule(obj):
    return type(obj).__name__ == "PyCapsule" and type(obj).__module__ in (
        "builtins", None)


def is_recipe(obj):
    """True for a recipe of ``pyminpack.compiled``: none can exist before
    that module is imported, so it is not imported here."""
    recipes = sys.modules.get("pyminpack.compiled")
    return recipes is not None and isinstance(obj, recipes.Recipe)


# What a Python func or Dfun nearly always is, and no compiled kind can be
# (none of these types can be subclassed): recognised first, because the
# checks below cost leastsq about a microsecond a fit (``type(obj).__name__``
# of a built-in type makes a new string every time, and isinstance with
# ctypes' metaclass is slow), a tenth of a small fit's wrapper time.
_PYTHON_FUNCTION_TYPES = frozenset({types.FunctionType, types.MethodType,
                                    types.BuiltinFunctionType})


def is_compiled(obj):
    """True for the kinds of compiled callable leastsq accepts."""
    if type(obj) in _PYTHON_FUNCTION_TYPES:
        return False
    return (_is_numba_cfunc(obj) or _is_ctypes_function(obj)
            or _is_low_level_callable(obj) or _is_capsule(obj)
            or is_recipe(obj))


def _signature_error(role, found):
    return TypeError(f"leastsq: a compiled {role} must have the C signature "
                     f"{_EXPECTED[role]}; it has {found}")


def _ctypes_signature(function):
    """(restype, argtypes) as C-like text, for error messages."""
    def name(t):
        return "void" if t is None else getattr(t, "__name__", repr(t))
    args = function.argtypes
    return (f"{name(function.restype)} ("
            + (", ".join(name(t) for t in args) if args is not None
               else "undeclared argtypes") + ")")


def _check_ctypes_function(function, role):
    import ctypes
    restype, argtypes = function.restype, function.argtypes

    def is_int(t):
        return isinstance(t, type) and issubclass(t, ctypes.c_int)

    def is_double_pointer(t):
        return (isinstance(t, type) and issubclass(t, ctypes._Pointer)
                and t._type_ is ctypes.c_double)

    def is_pointer(t):
        return isinstance(t, type) and (
            issubclass(t, (ctypes._Pointer, ctypes.c_void_p)))

    expected = ([is_int, is_int, is_double_pointer, is_double_pointer,
                 is_pointer] if role == "func" else
                [is_int, is_int, is_double_pointer, is_double_pointer,
                 is_int, is_pointer])
    if (not is_int(restype) or argtypes is None
            or len(argtypes) != len(expected)
            or not all(check(t) for check, t in zip(expected, argtypes))):
        raise _signature_error(role, _ctypes_signature(function))
    address = ctypes.cast(function, ctypes.c_void_p).value
    if not address:
        raise ValueError(f"leastsq: the compiled {role} is a NULL function "
                         f"pointer")
    return address


def _ctypes_pointee(function):
    """The numpy dtype of what a ctypes function's last parameter (the
    user_data pointer) points to, or None: void *, or a pointee that is
    no plain number (a byte, a struct)."""
    import ctypes
    last = function.argtypes[-1]
    if not issubclass(last, ctypes._Pointer):
        return None
    target = last._type_
    if not issubclass(target, ctypes._SimpleCData) or ctypes.sizeof(
            target) == 1:
        return None  # bytes are raw memory; structs are the caller's layout
    try:
        dtype = np.dtype(target)
    except TypeError:
        return None
    return dtype if dtype.kind in "biuf" else None


# The C type names a capsule's signature may give user_data's pointee, by
# the dtype they mean (the others, void and structs, say nothing).
_CAPSULE_POINTEES = {"double": np.dtype(np.float64),
                     "float": np.dtype(np.float32)}


def _capsule_pointee(name):
    found = re.search(r"(\w+)\s*\*\s*\w*\s*\)\s*$", name or "")
    return _CAPSULE_POINTEES.get(found.group(1)) if found else None


def _capsule(capsule, role):
    name, address = _minpack.capsule_address(capsule)
    normalized = re.sub(r"\bconst\b|\s", "", name or "")
    # Parameter names are allowed: drop identifiers after a type.
    normalized = re.sub(r"(int|\*)[A-Za-z_]\w*(?=[,)])", r"\1", normalized)
    if not _CAPSULE_NAMES[role].fullmatch(normalized):
        raise _signature_error(role, f"a PyCapsule named {name!r}")
    return address


# The addresses of numba cfuncs already checked, by role, so that a loop
# of leastsq calls checks a signature once (it costs several microseconds);
# weak, so an entry goes with its cfunc.  Only cfuncs: their signature is
# fixed when compiled, while a ctypes pointer's argtypes can be reassigned.
_CHECKED_CFUNCS: "weakref.WeakKeyDictionary[object, dict]" = (
    weakref.WeakKeyDictionary())


def _cfunc_address(cfunc, role):
    """(address, pointee) of a numba cfunc checked for `role`."""
    try:
        return _CHECKED_CFUNCS[cfunc][role]
    except (KeyError, TypeError):
        pass
    checked = (_check_ctypes_function(cfunc.ctypes, role),
               _ctypes_pointee(cfunc.ctypes))
    try:
        _CHECKED_CFUNCS.setdefault(cfunc, {})[role] = checked
    except TypeError:
        pass  # not weakly referenceable: checked at every call
    return checked


def resolve(obj, role):
    """``obj`` (a compiled func or Dfun, ``role`` says which) resolved."""
    if is_recipe(obj):
        obj = obj.resolve(role)  # built once per process, then kept
    if _is_numba_cfunc(obj):
        address, pointee = _cfunc_address(obj, role)
        return Compiled(address, keep=obj, pointee=pointee)
    if _is_ctypes_function(obj):
        return Compiled(_check_ctypes_function(obj, role), keep=obj,
                        pointee=_ctypes_pointee(obj))
    if _is_capsule(obj):
        return Compiled(_capsule(obj, role), keep=obj,
                        pointee=_capsule_pointee(
                            _minpack.capsule_address(obj)[0]))
    if _is_low_level_callable(obj):
        capsule = tuple.__getitem__(obj, 0)
        address = _capsule(capsule, role)
        own = obj.user_data
        return Compiled(address,
                        None if own is None else _address_of(own, role),
                        keep=obj, pointee=_capsule_pointee(
                            _minpack.capsule_address(capsule)[0]))
    raise TypeError(f"leastsq: {role} is not a compiled callable")


def _address_of(value, what):
    """The address a user_data value stands for (see user_data_address)."""
    if _is_capsule(value):
        return _minpack.capsule_address(value)[1]
    ctypes = sys.modules.get("ctypes")
    if ctypes is not None:
        if isinstance(value, ctypes.c_void_p):
            return value.value or 0
        if isinstance(value, ctypes._Pointer):
            return ctypes.cast(value, ctypes.c_void_p).value or 0
    if type(value) is int:
        if not 0 <= value < 2**64:
            raise ValueError(f"leastsq: {what}: the address {value} is not "
                             f"a pointer")
        return value
    raise TypeError(
        f"leastsq: {what} for a compiled callback must be () for NULL, one "
        f"C-contiguous ndarray (its data is passed), a ctypes pointer or an "
        f"int address, not {type(value).__name__}")


def user_data_address(args, compiled):
    """The user_data pointer for compiled callbacks, and what to keep alive.

    The LowLevelCallable's own user_data if it has one (then ``args`` must
    be empty); otherwise from ``args``: ``()`` gives NULL, one C-contiguous
    ndarray its data pointer, a ctypes pointer or an int that address.
    """
    own = [c.user_data for c in compiled if c.user_data is not None]
    if own:
        if args:
            raise TypeError("leastsq: the LowLevelCallable has user_data of "
                            "its own; pass args=() with it")
        return own[0], None
    if args == ():
        return 0, None
    if len(args) != 1:
        raise TypeError(
            f"leastsq: a compiled callback takes one user_data pointer, so "
            f"args must be (), or hold one ndarray, ctypes pointer or int "
            f"address; it has {len(args)} items")
    value = args[0]
    if isinstance(value, np.ndarray):
        if not value.flags.c_contiguous:
            raise ValueError("leastsq: an ndarray passed as user_data must "
                             "be C-contiguous")
        return value.__array_interface__["data"][0], value
    return _address_of(value, "args"), value


def usable_threads():
    """The number of cores this process may run on."""
    import os
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# threads beyond this many per core are capped (and, in C, beyond the
# number of fits): more would only add stacks, scratch space and switching,
# however large a number is asked for.
THREADS_PER_CORE = 4


def max_threads():
    """The most C threads a compiled batch starts."""
    import os
    return THREADS_PER_CORE * (os.cpu_count() or 1)


def run(func, jac, x, *, m, diag, user_data, user_data_stride, ftol, xtol,
        gtol, maxfev, epsfcn, factor, check_finite, threads, progress,
        full_output, bounds=None):
    """Run the fits of ``x`` (K, n), a copy of the starts that becomes the
    solutions, with resolved compiled callbacks: a dict of result arrays.
    `bounds`: None or the checked (lb, ub), (n,) or (K, n) each."""
    count, n = x.shape
    results, outputs = result_arrays(count, m, n, full_output)
    _minpack.batch_compiled(
        func.address, 0 if jac is None else jac.address, x, diag, user_data,
        user_data_stride, m, n, ftol, xtol, gtol, maxfev, epsfcn, factor,
        check_finite, threads, progress, outputs, bounds)
    return results
