"""The user guide's "Bounds and fixed parameters" example (bounds.md) runs
as printed and does what it says."""

import contextlib
import io

import numpy as np

from doc_blocks import blocks


def test_the_bounds_example():
    (source,) = blocks("guide/bounds.md")
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(source, namespace)
    popt, pcov, result = (namespace[k] for k in ("popt", "pcov", "result"))
    lower, upper = namespace["lower"], namespace["upper"]
    assert result.success.all()
    assert np.all((popt >= lower) & (popt <= upper))
    # each centre inside its own window, the widths near the truth
    assert np.all(np.abs(popt[:, 1] - namespace["centres"]) <= 0.5)
    np.testing.assert_allclose(popt[:, 2], 0.7, atol=0.05)
    # a baseline that ends on 0 is flagged, and only there
    on_zero = popt[:, 3] <= 1.5e-8
    assert np.array_equal(result.at_bound[:, 3], on_zero)
    assert on_zero.any() and not on_zero.all()
