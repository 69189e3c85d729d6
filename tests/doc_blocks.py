"""The examples of the documentation's pages, for the tests that check an
example does what its text says (tests/test_examples_run.py checks that
each runs alone)."""

import pathlib
import re

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def blocks(page, language="python", heading=None):
    """The ```LANGUAGE blocks of docs/PAGE, in order; with heading (a whole
    heading line, "## Many systems: `fsolve_batch`"), only those of that
    section, up to the next heading of the same or a higher level."""
    text = (DOCS / page).read_text(encoding="utf-8")
    if heading is not None:
        start = text.index(f"\n{heading}\n")
        level = heading.split(" ", 1)[0]
        following = re.compile(rf"^#{{1,{len(level)}}} ", re.M)
        end = following.search(text, start + len(heading) + 2)
        text = text[start:end.start() if end else len(text)]
    return re.findall(rf"^```{language}\n(.*?)^```", text, re.S | re.M)
