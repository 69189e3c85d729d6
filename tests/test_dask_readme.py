"""The user guide's "Many fits on a cluster" example (dask.md) runs as
printed (a script: its LocalCluster starts worker processes) and prints
what it says."""

import re
import subprocess
import sys

from doc_blocks import blocks


def example():
    return blocks("guide/dask.md")[0]


def test_cluster_example_runs_as_printed(tmp_path):
    script = tmp_path / "example.py"
    script.write_text(example())
    run = subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    printed = run.stdout.splitlines()
    # What the example's comments say it prints, line by line.
    expected = [line.split("# ", 1)[1].strip()
                for line in example().splitlines()
                if re.match(r"\s+print\(.*\)\s+# ", line)]
    assert printed == expected
