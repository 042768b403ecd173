#!/usr/bin/env bash
# The Python side of the contract test (test/python/contract_check.py): a virtual environment
# with the official Temporal Python SDK and a JSON Schema validator from PyPI, pinned, in the
# tools cache beside the Temporal servers (one per versions; a second clone reuses it).
set -euo pipefail

TEMPORALIO_VERSION=1.35.0
JSONSCHEMA_VERSION=4.26.0

repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/install-toolchain.sh" >/dev/null
tools=$(readlink -f "$repo/.tools")
venv="$tools/python-contract-temporalio$TEMPORALIO_VERSION-jsonschema$JSONSCHEMA_VERSION"

if [ -f "$venv/.complete" ]; then
  echo "python check: temporalio $TEMPORALIO_VERSION, jsonschema $JSONSCHEMA_VERSION present"
  exit 0
fi
command -v python3 >/dev/null || { echo "install-python-check: python3 (>= 3.9, with venv) is required" >&2; exit 1; }
echo "python check: installing temporalio $TEMPORALIO_VERSION and jsonschema $JSONSCHEMA_VERSION from PyPI"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
  "temporalio==$TEMPORALIO_VERSION" "jsonschema==$JSONSCHEMA_VERSION" || { rm -rf "$venv"; exit 1; }
touch "$venv/.complete"
echo "python check: ready in $venv"
