"""pyminpack.compiled: recipes for compiled callbacks, used locally with
leastsq and leastsq_batch; pickling; one build per process and key."""

import ctypes
import ctypes.util
import math
import pickle
import subprocess
import sys

import cloudpickle
import numpy as np
import pytest
from numba import carray

import compiled_problems
from compiled_problems import (M, X0, decay, decay_jac, decay_jacobian,
                               decay_residuals, decay_rows)
from pyminpack import compiled, leastsq, leastsq_batch
from pyminpack.compiled import Recipe, from_import, from_library, from_numba

ROWS = decay_rows(64, seed=3)


def assert_same_batch(a, b):
    for name in ("x", "ier", "nfev", "njev", "fnorm", "status", "fvec",
                 "fjac", "ipvt", "qtf"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.cov_x, b.cov_x)


@pytest.mark.parametrize("jac", [False, True])
def test_numba_recipe_gives_the_cfuncs_bits(jac):
    expected = leastsq_batch(decay, X0, Dfun=decay_jac if jac else None,
                             data=ROWS, m=M, full_output=True)
    got = leastsq_batch(from_numba(decay_residuals), X0,
                        Dfun=from_numba(decay_jacobian) if jac else None,
                        data=ROWS, m=M, full_output=True)
    assert_same_batch(got, expected)
    assert got.success.all()


def test_recipe_in_leastsq():
    expected = leastsq(decay, X0, args=(ROWS[5],), m=M, full_output=True)
    got = leastsq(from_numba(decay_residuals), X0, args=(ROWS[5],), m=M,
                  full_output=True)
    np.testing.assert_array_equal(got[0], expected[0])
    assert got[4] == expected[4] and got[3] == expected[3]
    np.testing.assert_array_equal(got[2]["fvec"], expected[2]["fvec"])


def test_import_recipe_of_a_cfunc_and_of_a_recipe(monkeypatch):
    expected = leastsq_batch(decay, X0, Dfun=decay_jac, data=ROWS, m=M)
    got = leastsq_batch(from_import("compiled_problems:decay"), X0,
                        Dfun=from_import("compiled_problems:decay_jac"),
                        data=ROWS, m=M)
    assert_same_batch(got, expected)
    # A module attribute that is itself a recipe is resolved through it.
    monkeypatch.setattr(compiled_problems, "decay_recipe",
                        from_numba(decay_residuals), raising=False)
    again = leastsq_batch(from_import("compiled_problems:decay_recipe"), X0,
                          data=ROWS, m=M)
    np.testing.assert_array_equal(
        again.x, leastsq_batch(decay, X0, data=ROWS, m=M).x)


def test_library_recipe_takes_libm_with_the_roles_signature():
    # A real shared library's symbol: libm's `cos` has the wrong signature
    # for MINPACK, but resolving only builds the ctypes function, whose
    # argtypes come from the role.
    recipe = from_library(ctypes.util.find_library("m") or "libm.so.6",
                          "cos")
    function = recipe.resolve("func")
    assert function.restype is ctypes.c_int
    assert len(function.argtypes) == 5
    assert len(recipe.resolve("Dfun").argtypes) == 6
    assert recipe.resolve("func") is function


def test_library_recipe_fits_with_a_c_function(tmp_path):
    source = tmp_path / "decay.c"
    source.write_text(
        "#include <math.h>\n"
        "int decay(int m, int n, const double *x, double *f, void *u)\n"
        "{ const double *d = u;\n"
        "  for (int i = 0; i < m; i++)\n"
        "    f[i] = x[0] * exp(-x[1] * d[i]) + x[2] - d[m + i];\n"
        "  return 0; }\n")
    library = tmp_path / "libdecay.so"
    compiler = subprocess.run(
        ["cc", "-O2", "-ffp-contract=off", "-shared", "-fPIC", str(source),
         "-o", str(library), "-lm"], capture_output=True, text=True)
    assert compiler.returncode == 0, compiler.stderr
    got = leastsq_batch(from_library(library, "decay"), X0, data=ROWS, m=M)
    assert got.success.all()
    # C's exp is the C library's, as numba's math.exp: the same bits.
    np.testing.assert_array_equal(
        got.x, leastsq_batch(decay, X0, data=ROWS, m=M).x)


def test_a_process_builds_a_recipe_once_and_its_copies_share_it():
    recipe = from_numba(decay_residuals)
    first = recipe.resolve("func")
    assert recipe.resolve("func") is first
    for copy in (pickle.loads(pickle.dumps(recipe)),
                 cloudpickle.loads(cloudpickle.dumps(recipe))):
        assert copy == recipe and hash(copy) == hash(recipe)
        assert copy.resolve("func") is first
    # Another recipe of the same function is another key: built anew.
    other = from_numba(decay_residuals)
    assert other != recipe
    assert other.resolve("func") is not first


def test_recipe_pickles_without_what_it_built():
    recipe = from_numba(decay_residuals)
    recipe.resolve("func")
    state = cloudpickle.dumps(recipe)
    assert b"CFunc" not in state and len(state) < 20_000


def test_a_cloudpickled_closure_compiles():
    # What a Dask worker gets: the function by value, rebuilt from bytes.
    def closure_residuals(m, n, xp, fp, up):
        x = carray(xp, (n,))
        f = carray(fp, (m,))
        d = carray(up, (2 * m,))
        for i in range(m):
            f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
        return 0
    recipe = cloudpickle.loads(
        cloudpickle.dumps(from_numba(closure_residuals)))
    np.testing.assert_array_equal(
        leastsq_batch(recipe, X0, data=ROWS, m=M).x,
        leastsq_batch(decay, X0, data=ROWS, m=M).x)


def test_user_data_type_of_a_numba_recipe():
    def residuals_f32(m, n, xp, fp, up):
        x = carray(xp, (n,))
        f = carray(fp, (m,))
        d = carray(up, (2 * m,))
        for i in range(m):
            f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
        return 0
    rows32 = ROWS.astype(np.float32)
    got = leastsq_batch(from_numba(residuals_f32, user_data="float32"), X0,
                        data=rows32, m=M)
    assert got.success.all()

    def ignores_user_data(m, n, xp, fp, up):
        f = carray(fp, (m,))
        for i in range(m):
            f[i] = 0.0
        return 0
    void = from_numba(ignores_user_data, user_data="void").resolve()
    assert str(void._sig).endswith("void*) -> int32")


def test_import_of_something_not_compiled_is_a_type_error():
    with pytest.raises(TypeError, match="not a compiled callable"):
        leastsq_batch(from_import("math:cos"), X0, data=ROWS, m=M)


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: from_numba(decay), TypeError, "the Python function itself"),
    (lambda: from_numba(3), TypeError, "must be a Python function"),
    (lambda: from_numba(decay_residuals, user_data="pointer"), TypeError,
     "dtype name or 'void'"),
    (lambda: from_import(decay), TypeError, "must be a str"),
    (lambda: from_import("compiled_problems.decay"), ValueError,
     "'package.module:name'"),
    (lambda: from_import("a b:c"), ValueError, "'package.module:name'"),
    (lambda: from_library("libm.so.6", ""), TypeError, "non-empty str"),
    (lambda: from_numba(decay_residuals).resolve("jac"), ValueError,
     "'func' or 'Dfun'"),
])
def test_bad_recipes(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_a_wrong_signature_fails_when_resolved():
    def two_arguments(m, n):
        return 0
    recipe = from_numba(two_arguments)  # nothing compiled yet
    with pytest.raises(TypeError, match="5 argument types given"):
        leastsq_batch(recipe, X0, data=ROWS, m=M)


def test_recipes_are_recipes():
    for recipe in (from_numba(decay_residuals), from_import("a.b:c"),
                   from_library("x.so", "f")):
        assert isinstance(recipe, Recipe)
        assert "pyminpack.compiled.from_" in repr(recipe)


def test_importing_pyminpack_compiled_imports_neither_numba_nor_dask():
    code = ("import sys, pyminpack, pyminpack.compiled; "
            "print('numba' in sys.modules, 'dask' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["False", "False"]
    assert compiled.__name__ == "pyminpack.compiled"
