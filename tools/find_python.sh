#!/usr/bin/env bash
# Print the path of a CPython of the given minor version (3.12, say):
# pyenv's (versions/3.12.*/bin/python under `pyenv root`) first, else
# python3.12 on PATH.  Exits 1, printing nothing, when there is none.
#
# Usage: tools/find_python.sh 3.12
set -euo pipefail

version=${1:?usage: tools/find_python.sh 3.X}
if root=$(pyenv root 2>/dev/null); then
    for candidate in "$root"/versions/"$version".*/bin/python; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            exit 0
        fi
    done
fi
command -v "python$version" || exit 1
