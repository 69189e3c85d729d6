"""The README is the front door: short, with the two commands users and CI
run, links that lead somewhere, and examples that print what they say
(tests/test_examples_run.py runs each of them alone as well)."""

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

DEMO = ("apt-get update && apt-get install -y gfortran && python3 -m venv "
        "/tmp/pyminpack-env && /tmp/pyminpack-env/bin/pip install . && "
        "/tmp/pyminpack-env/bin/python -m pyminpack")
TESTS = ("apt-get update && apt-get install -y gfortran && python3 -m venv "
         "/tmp/pyminpack-env && /tmp/pyminpack-env/bin/pip install '.[test]' "
         "&& /tmp/pyminpack-env/bin/python -m pytest")


def test_readme_is_a_landing_page():
    assert len(README.splitlines()) <= 250


def test_the_two_install_commands_are_there_exactly():
    commands = re.findall(r"^```sh\n(.*?)\n```", README, re.S | re.M)
    assert DEMO in commands and TESTS in commands
    install = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
    assert DEMO in install and TESTS in install


def test_links_lead_to_files_of_the_repository():
    links = re.findall(r"\]\(([^)#]+)\)", README)
    local = [link for link in links if "://" not in link]
    assert local, "the README links into docs/"
    for link in local:
        assert (ROOT / link).exists(), link


def test_examples_print_what_their_comments_say(tmp_path):
    blocks = re.findall(r"^```python\n(.*?)^```", README, re.S | re.M)
    assert len(blocks) == 3
    for source in blocks:
        expected = [line.split("# ", 1)[1].strip()
                    for line in source.splitlines()
                    if line.startswith("print(") and "# " in line]
        done = subprocess.run([sys.executable, "-c", source], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        printed = [line.strip() for line in done.stdout.splitlines()]
        for line in expected:
            assert line in printed, (line, done.stdout)
