"""``python -m pyminpack``: the users' guide example and its report."""

import re
import subprocess
import sys

import numpy as np

from pyminpack import _demo, leastsq


def test_demo_reports_the_users_guide_solution_for_both_solvers():
    completed = subprocess.run([sys.executable, "-m", "pyminpack"],
                               capture_output=True, text=True, check=True,
                               timeout=120)
    out = completed.stdout
    assert completed.stderr == ""
    assert "lmdif (forward-difference Jacobian)" in out
    assert "lmder (analytic Jacobian)" in out
    # The users' guide (ANL-80-74) gives x = (0.08241058, 1.133037,
    # 2.343695) and a final L2 norm of 0.09063596.
    assert len(re.findall(r"x1 =  0\.08241057", out)) == 2
    assert len(re.findall(r"x2 =  1\.13303", out)) == 2
    assert len(re.findall(r"x3 =  2\.34369", out)) == 2
    assert out.count("final residual norm  0.0906359") == 2
    assert "nfev = 21\n" in out and "nfev = 6, njev = 5" in out
    assert out.count("ier = 1: Both actual and predicted") == 2
    assert out.count("+/- ") == 6 + 2  # the users' guide, then curve 0
    assert "10,000 noisy curves y = a*exp(-b*t) + c" in out
    assert "10,000 converged" in out
    assert re.search(r"speed-up \d+\.\dx; the first 500 fits the same to "
                     r"the bit", out)
    assert "10,000 Gaussian peaks, 50 points and 4 parameters each" in out
    assert re.search(r"curve_fit_batch:\s+[\d,]+ fits/s, 10,000 converged",
                     out)
    assert re.search(r"the first 300 fits \(popt and pcov\) the same to the "
                     r"bit", out)


def test_batch_report_fits_as_leastsq_does():
    text = _demo.batch_report(loop_fits=20)
    assert "the first 20 fits the same to the bit" in text
    assert re.search(r"vectorized=True\):\s+[\d,]+ fits/s", text)


def test_standard_errors_are_cov_x_scaled_by_the_residual_variance():
    fit = leastsq(_demo.residuals, _demo.X0, Dfun=_demo.jacobian,
                  full_output=True)
    text = _demo.report("t", fit[0], *fit[1:])
    fvec = fit[2]["fvec"]
    variance = fvec @ fvec / (15 - 3)
    errors = np.sqrt(np.diagonal(fit[1]) * variance)
    for value in errors:
        assert f"+/- {value:.6f}" in text


def test_analytic_jacobian_matches_finite_differences():
    x = np.array([0.5, 1.5, 2.5])
    step = 1e-7
    numeric = np.column_stack([
        (_demo.residuals(x + step * e) - _demo.residuals(x - step * e))
        / (2 * step) for e in np.eye(3)])
    np.testing.assert_allclose(_demo.jacobian(x), numeric, rtol=1e-6,
                               atol=1e-9)


def test_curve_fit_report_compares_the_batch_with_curve_fit():
    text = _demo.curve_fit_report(loop_fits=15)
    assert "the first 15 fits (popt and pcov) the same to the bit" in text
    assert re.search(r"height = 1\.\d{4} \+/- 0\.\d{4}", text)
