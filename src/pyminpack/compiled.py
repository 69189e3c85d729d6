"""Recipes for compiled callbacks: picklable descriptions of a compiled
``func`` or ``Dfun`` that each process builds for itself.

A numba ``@cfunc`` object does not pickle, a ctypes function pointer does
not either, and a raw address that does pickle means nothing in another
process.  A recipe says how to make the callable instead:

- ``from_numba(py_function)``: compile ``py_function`` with ``numba.cfunc``
  to the C signature of its role (func or Dfun);
- ``from_import("pkg.mod:name")``: import a compiled callable (a cfunc, a
  ctypes function, a PyCapsule, a LowLevelCallable, or another recipe);
- ``from_library(path, symbol)``: load a shared library with ctypes and
  take one of its functions.

A recipe is resolved the first time a process needs it, and the callable
it gives is kept for the life of that process, keyed by the recipe (its
pickled copies share the key), so a cluster compiles a numba recipe once
per worker process, not once per task.  Recipes work wherever compiled
callbacks do: ``leastsq``, ``leastsq_batch`` and ``pyminpack.dask``.
"""

import os
import threading
import uuid

__all__ = ["Recipe", "from_numba", "from_import", "from_library"]

_ROLES = ("func", "Dfun")

# The callables built in this process, by (recipe key, role).  They stay
# alive as long as the process: a fit holds only their addresses.
_BUILT = {}
# One build at a time: a numba compilation must not run twice for one key
# because two threads of a worker asked for it together.
_LOCK = threading.RLock()


def _new_lock_after_fork():
    # A fork taken while another thread held the lock would leave the
    # child's copy locked forever.
    global _LOCK
    _LOCK = threading.RLock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_after_fork)


def _check_role(role):
    if role not in _ROLES:
        raise ValueError(f"pyminpack.compiled: role must be 'func' or "
                         f"'Dfun', not {role!r}")


class Recipe:
    """How to build a compiled callback; see ``from_numba``,
    ``from_import`` and ``from_library``.

    Recipes pickle (cloudpickle or plain pickle, as their contents allow),
    compare and hash by their key, and are accepted as ``func`` and
    ``Dfun`` by ``leastsq``, ``leastsq_batch`` and ``pyminpack.dask``.
    """

    __slots__ = ("_key", "_resolved")

    def __init__(self, key):
        self._key = key
        self._resolved = {}  # this instance's own shortcut into _BUILT

    def resolve(self, role="func"):
        """The compiled callable for `role` ('func' or 'Dfun'), built the
        first time this process asks for it and kept afterwards.

        Parameters
        ----------
        role : {'func', 'Dfun'}
            Which C signature the callable must have.

        Returns
        -------
        object
            A numba ``CFunc``, a ctypes function, a PyCapsule or a
            ``scipy.LowLevelCallable``.
        """
        try:
            return self._resolved[role]
        except KeyError:
            pass
        _check_role(role)
        with _LOCK:
            built = _BUILT.get((self._key, role))
            if built is None:
                built = self._build(role)
                _BUILT[(self._key, role)] = built
        self._resolved[role] = built
        return built

    def _build(self, role):
        raise NotImplementedError

    def __eq__(self, other):
        return type(other) is type(self) and other._key == self._key

    def __hash__(self):
        return hash(self._key)

    def __dask_tokenize__(self):
        # Equal recipes give equal dask keys, without dask pickling the
        # function to hash it.
        return (type(self).__name__, self._key)


class _NumbaRecipe(Recipe):
    __slots__ = ("py_function", "user_data")

    def __init__(self, py_function, user_data, key):
        super().__init__(key)
        self.py_function = py_function
        self.user_data = user_data

    def __reduce__(self):
        return (_NumbaRecipe, (self.py_function, self.user_data, self._key))

    def __repr__(self):
        name = getattr(self.py_function, "__qualname__", "function")
        return (f"pyminpack.compiled.from_numba({name}, "
                f"user_data={self.user_data!r})")

    def _build(self, role):
        try:
            import numba
        except ImportError as err:
            raise ImportError(f"{self!r} needs numba in this process "
                              f"(pip install numba)") from err
        import numpy as np
        types = numba.types
        double_p = types.CPointer(types.double)
        pointee = (types.voidptr if self.user_data == "void" else
                   types.CPointer(numba.from_dtype(np.dtype(self.user_data))))
        if role == "func":
            signature = types.intc(types.intc, types.intc, double_p,
                                   double_p, pointee)
        else:
            signature = types.intc(types.intc, types.intc, double_p,
                                   double_p, types.intc, pointee)
        return numba.cfunc(signature, nopython=True)(self.py_function)


class _ImportRecipe(Recipe):
    __slots__ = ("target",)

    def __init__(self, target):
        super().__init__(("import", target))
        self.target = target

    def __reduce__(self):
        return (_ImportRecipe, (self.target,))

    def __repr__(self):
        return f"pyminpack.compiled.from_import({self.target!r})"

    def _build(self, role):
        import importlib
        from ._compiled import is_compiled
        module_name, _, attributes = self.target.partition(":")
        found = importlib.import_module(module_name)
        for attribute in attributes.split("."):
            found = getattr(found, attribute)
        if isinstance(found, Recipe):
            return found.resolve(role)
        if not is_compiled(found):
            raise TypeError(f"{self!r}: {self.target} is a "
                            f"{type(found).__name__}, not a compiled callable "
                            f"(a numba cfunc, a ctypes function, a PyCapsule, "
                            f"a LowLevelCallable or a recipe)")
        return found


class _LibraryRecipe(Recipe):
    __slots__ = ("path", "symbol")

    def __init__(self, path, symbol):
        super().__init__(("library", path, symbol))
        self.path = path
        self.symbol = symbol

    def __reduce__(self):
        return (_LibraryRecipe, (self.path, self.symbol))

    def __repr__(self):
        return (f"pyminpack.compiled.from_library({self.path!r}, "
                f"{self.symbol!r})")

    def _build(self, role):
        import ctypes
        library = ctypes.CDLL(self.path)
        # Indexing gives a new function object, so the argtypes set here
        # are this role's own even if another recipe takes the same symbol.
        function = library[self.symbol]
        double_p = ctypes.POINTER(ctypes.c_double)
        function.restype = ctypes.c_int
        function.argtypes = (
            [ctypes.c_int, ctypes.c_int, double_p, double_p, ctypes.c_void_p]
            if role == "func" else
            [ctypes.c_int, ctypes.c_int, double_p, double_p, ctypes.c_int,
             ctypes.c_void_p])
        return function


def from_numba(py_function, *, user_data="float64"):
    """A recipe that compiles `py_function` with ``numba.cfunc``.

    Each process that uses the recipe compiles it once, to the C signature
    of the role it is given as::

        int func(int m, int n, const double *x, double *fvec, T *user_data)
        int jac(int m, int n, const double *x, double *fjac, int ldfjac,
                T *user_data)

    so the same kind of Python function that ``@cfunc`` decorates (using
    ``numba.carray`` on the pointers) is written undecorated.

    Parameters
    ----------
    py_function : callable
        The Python function (or a numba ``@njit`` dispatcher, whose Python
        function is taken).  It travels to other processes by pickle:
        cloudpickle (dask) sends lambdas and functions of ``__main__`` by
        value; plain pickle needs an importable function.
    user_data : str, optional
        The type ``T`` that user_data points to: a numpy dtype name
        ('float64', the default; 'int32', ...) or 'void'.

    Returns
    -------
    Recipe
    """
    if type(py_function).__module__.startswith("numba") and hasattr(
            py_function, "py_func"):
        py_function = py_function.py_func
    elif type(py_function).__name__ == "CFunc":
        raise TypeError("from_numba: pass the Python function itself (the "
                        "one @cfunc decorated), not the compiled cfunc, "
                        "which does not pickle")
    if not callable(py_function):
        raise TypeError(f"from_numba: py_function must be a Python function, "
                        f"not {type(py_function).__name__}")
    if user_data != "void":
        import numpy as np
        try:
            user_data = np.dtype(user_data).name
        except TypeError as err:
            raise TypeError(f"from_numba: user_data must be a numpy dtype "
                            f"name or 'void', not {user_data!r}") from err
    # A fresh key per recipe: copies made by pickling keep it, so every
    # process builds each recipe once, whatever the function's globals.
    return _NumbaRecipe(py_function, user_data,
                        ("numba", uuid.uuid4().hex))


def from_import(target):
    """A recipe that imports a compiled callable by name.

    Parameters
    ----------
    target : str
        ``"package.module:name"`` (``name`` may be dotted, for an attribute
        of an object).  The module must be importable in every process
        that uses the recipe; what it names is a numba cfunc, a ctypes
        function with declared argtypes and restype, a PyCapsule, a
        ``scipy.LowLevelCallable`` or another recipe.

    Returns
    -------
    Recipe
    """
    if not isinstance(target, str):
        raise TypeError(f"from_import: target must be a str "
                        f"'package.module:name', not {type(target).__name__}")
    module_name, colon, attributes = target.partition(":")
    if not (colon and module_name and attributes
            and all(part.isidentifier() for part in module_name.split("."))
            and all(part.isidentifier() for part in attributes.split("."))):
        raise ValueError(f"from_import: target must look like "
                         f"'package.module:name', not {target!r}")
    return _ImportRecipe(target)


def from_library(path, symbol):
    """A recipe that takes a function from a shared library, with ctypes.

    Parameters
    ----------
    path : str or os.PathLike
        The library, as ``ctypes.CDLL`` takes it; it is opened in each
        process that uses the recipe, so it must exist there (a path
        relative to that process's working directory, or a name the
        dynamic loader finds).
    symbol : str
        The exported function, with the C signature of the role the recipe
        is given as (its argtypes and restype are set from that role).

    Returns
    -------
    Recipe
    """
    if not isinstance(symbol, str) or not symbol:
        raise TypeError(f"from_library: symbol must be a non-empty str, not "
                        f"{symbol!r}")
    return _LibraryRecipe(os.fspath(path), symbol)
