#!/usr/bin/env bash
# Run the README's test command on every CPython the package supports that
# this machine has besides the main one: each in a fresh venv, installed
# from the source tree with the test extra, the whole suite.
#
# Pythons are looked for by tools/find_python.sh: under pyenv's root
# (versions/3.X.*/bin/python), then on PATH (python3.X).  Versions named on
# the command line must be found (CI names them); with none named, 3.10,
# 3.12 and 3.13 are tried and those not found are reported and skipped.
# Every one found must pass.
#
# Usage: tools/test_pythons.sh [3.10 3.12 3.13 ...]
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
versions=("$@")
required=1
if [ ${#versions[@]} -eq 0 ]; then
    versions=(3.10 3.12 3.13)
    required=0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pyminpack-pythons.XXXXXX")
trap 'rm -rf "$work"' EXIT

tested=()
missing=()
for version in "${versions[@]}"; do
    python=$(bash "$repo/tools/find_python.sh" "$version" || true)
    if [ -z "$python" ]; then
        if [ "$required" = 1 ]; then
            echo "test_pythons: no Python $version on this machine" >&2
            exit 1
        fi
        echo "test_pythons: no Python $version on this machine, skipped"
        missing+=("$version")
        continue
    fi
    start=$(date +%s)
    echo "== Python $version ($python): install with the test extra, run the tests =="
    "$python" -m venv "$work/$version"
    venv_python="$work/$version/bin/python"
    "$venv_python" -m pip install -q --upgrade pip
    "$venv_python" -m pip install -q "$repo[test]"
    # From the repository, as the README's command runs; the source package
    # lives under src/, so `import pyminpack` is the installed one.
    (cd "$repo" && "$venv_python" -m pytest -q -p no:cacheprovider)
    echo "test_pythons: Python $version passed in $(( $(date +%s) - start )) s"
    tested+=("$version")
done
echo "test_pythons: passed on ${tested[*]:-none}${missing:+; not found: ${missing[*]}}"
