"""The user guide's "Fitting a cube" examples (cubes.md) run as pasted
alone into a fresh interpreter, and print what their comments say."""

import subprocess
import sys

import pytest

from doc_blocks import blocks


def python_blocks():
    return blocks("guide/cubes.md")


def printed_comments(source):
    """What each print(...)  # comment says it prints, in order."""
    return [line.split("# ", 1)[1].strip()
            for line in source.splitlines()
            if line.startswith("print(") and "# " in line]


def run_alone(source, cwd):
    done = subprocess.run([sys.executable, "-W", "error", "-c", source],
                          cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_the_cube_example(tmp_path):
    source = python_blocks()[0]
    assert "axis=0" in source and "nan_policy=\"omit\"" in source
    assert run_alone(source, tmp_path) == printed_comments(source)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert (tmp_path / "centre_map.png").stat().st_size > 1000


def test_the_xarray_example(tmp_path):
    pytest.importorskip("xarray")
    pytest.importorskip("dask")
    source = python_blocks()[1]
    assert run_alone(source, tmp_path) == printed_comments(source)
