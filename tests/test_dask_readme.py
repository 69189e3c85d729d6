"""The README's "Many fits on a cluster" example runs as printed (a script:
its LocalCluster starts worker processes) and prints what it says."""

import pathlib
import re
import subprocess
import sys

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def example():
    text = README.read_text(encoding="utf-8")
    start = text.index("## Many fits on a cluster")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)[0]


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
