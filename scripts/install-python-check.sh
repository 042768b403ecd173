#!/usr/bin/env bash
# The Python side of the contract test (test/python/contract_check.py): a virtual environment
# with the official Temporal Python SDK and a JSON Schema validator from PyPI, every package at
# the exact version test/python/requirements.txt names (installed without resolving anything
# else), in the tools cache beside the Temporal servers. The folder is named after the file's
# hash: a changed list gets a new environment. Prints the environment's python.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
requirements="$repo/test/python/requirements.txt"
bash "$repo/scripts/install-toolchain.sh" >/dev/null
tools=$(readlink -f "$repo/.tools")
venv="$tools/python-contract-$(sha256sum "$requirements" | cut -c1-12)"

if [ ! -f "$venv/.complete" ]; then
  command -v python3 >/dev/null || { echo "install-python-check: python3 (>= 3.9, with venv) is required" >&2; exit 1; }
  echo "python check: installing test/python/requirements.txt from PyPI into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$requirements" \
    || { rm -rf "$venv"; exit 1; }
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
