"""Every Python example runs as pasted, alone, in a fresh interpreter.

Each ```python block of README.md and of the Markdown pages under docs/,
and every example program under docs/examples/, is written to a file of its
own and run by a new interpreter in an empty folder: no block may lean on
another's variables, and every module it needs must come with the extras
the test extra installs (the README and the docs name the extra next to
each example that needs one).  A block that is not meant to run is marked
as another language (```text, ```pycon, ```sh).

The blocks run two at a time (the machine's cores) and none is skipped.
"""

import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
# Long enough for the slowest example (numba compiling a model, a Dask
# LocalCluster starting two workers) on a busy CI machine.
TIMEOUT = 600


def markdown_files():
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def examples():
    """(name, source) of every example, in a stable order."""
    found = []
    for path in markdown_files():
        if "_build" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for match in PYTHON_BLOCK.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1)))
    for path in sorted((ROOT / "docs" / "examples").glob("*.py")):
        found.append((str(path.relative_to(ROOT)),
                      path.read_text(encoding="utf-8")))
    return found


def run(source, folder):
    folder.mkdir(parents=True)
    script = folder / "example.py"
    script.write_text(source, encoding="utf-8")
    environment = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([sys.executable, str(script)], cwd=folder,
                          capture_output=True, text=True, timeout=TIMEOUT,
                          env=environment)


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory):
    """Every selected example's run, made two at a time before the first
    test needs one (``-k`` selects which run at all)."""
    selected = {item.callspec.params["name"] for item in request.session.items
                if getattr(item, "callspec", None) is not None
                and item.function is test_example_runs_alone}
    base = tmp_path_factory.mktemp("examples")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(run, source, base / f"{index:03d}")
                   for index, (name, source) in enumerate(examples())
                   if name in selected}
        return {name: future.result() for name, future in futures.items()}


def test_there_are_examples_in_the_readme_and_the_docs():
    names = [name for name, _ in examples()]
    assert any(name.startswith("README.md:") for name in names)
    assert any(name.startswith("docs/") and ".md:" in name for name in names)
    assert any(name.startswith("docs/examples/") for name in names)


@pytest.mark.parametrize("name", [name for name, _ in examples()])
def test_example_runs_alone(name, outcomes):
    outcome = outcomes[name]
    assert outcome.returncode == 0, (
        f"{name} failed when run alone:\n{outcome.stdout[-2000:]}\n"
        f"{outcome.stderr[-4000:]}")
