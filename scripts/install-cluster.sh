#!/usr/bin/env bash
# Installs what `make cluster` runs — a real Temporal server as separate services on PostgreSQL —
# from package registries only, pinned and idempotent:
#   - the Temporal server and its SQL tool, v$TEMPORAL_SERVER_VERSION, from the Go module proxy
#     (`go install`; about 2 minutes with a warm Go cache), with the module's PostgreSQL schema
#     files copied beside them (the SQL tool creates and migrates the databases from them);
#   - PostgreSQL $PG_MAJOR from Debian's packages, when the machine lacks it.
# Same versioned cache as scripts/install-toolchain.sh (LOCKSTEP_TOOLS_DIR overrides it).
set -euo pipefail

TEMPORAL_SERVER_VERSION=1.29.1   # the server the dev server's CLI (1.5.1) embeds: one server version everywhere
PG_MAJOR=15                      # Debian 12's PostgreSQL

repo=$(cd "$(dirname "$0")/.." && pwd)
bash "$repo/scripts/install-toolchain.sh" >/dev/null
tools=$(readlink -f "$repo/.tools")
dir="$tools/cluster-v$TEMPORAL_SERVER_VERSION"

if [ -x "$dir/bin/temporal-server" ] && [ -x "$dir/bin/temporal-sql-tool" ] && [ -f "$dir/schema/.complete" ]; then
  echo "cluster: temporal-server $TEMPORAL_SERVER_VERSION present"
else
  command -v go >/dev/null || { echo "install-cluster: 'go' (>= 1.25) is required to build the Temporal server" >&2; exit 1; }
  echo "cluster: building temporal-server and temporal-sql-tool v$TEMPORAL_SERVER_VERSION with go install"
  rm -rf "$dir.partial" && mkdir -p "$dir.partial/bin"
  GOBIN="$dir.partial/gobin" go install \
    "go.temporal.io/server/cmd/server@v$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@v$TEMPORAL_SERVER_VERSION"
  mv "$dir.partial/gobin/server" "$dir.partial/bin/temporal-server"
  mv "$dir.partial/gobin/sql" "$dir.partial/bin/temporal-sql-tool"
  rmdir "$dir.partial/gobin"
  module=$(go env GOMODCACHE)/go.temporal.io/server@v$TEMPORAL_SERVER_VERSION
  mkdir -p "$dir.partial/schema"
  cp -r "$module/schema/postgresql/v12/temporal" "$module/schema/postgresql/v12/visibility" "$dir.partial/schema/"
  chmod -R u+w "$dir.partial/schema"
  touch "$dir.partial/schema/.complete"
  rm -rf "$dir" && mv "$dir.partial" "$dir"
fi

pg_bin=/usr/lib/postgresql/$PG_MAJOR/bin
if [ -x "$pg_bin/postgres" ] && [ -x "$pg_bin/initdb" ]; then
  echo "cluster: PostgreSQL $PG_MAJOR present"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "cluster: installing PostgreSQL $PG_MAJOR from Debian's packages"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_MAJOR" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "postgresql-$PG_MAJOR" >/dev/null; }
else
  echo "install-cluster: PostgreSQL $PG_MAJOR is missing; install it (as root: apt-get install postgresql-$PG_MAJOR)" >&2
  exit 1
fi
echo "cluster: ready in $dir (PostgreSQL in $pg_bin)"
