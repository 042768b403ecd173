#!/usr/bin/env bash
# Installs the two Temporal servers this project runs against, offline-safe (package
# registries only), pinned and idempotent:
#   - the Temporal CLI (dev server) from the Go module proxy;
#   - Temporal's Java time-skipping test server from Maven Central, with a launcher script
#     and an AppCDS archive (the SDK gives the server 5 s to accept connections; the archive
#     brings JVM start from ~1-3 s down to ~0.4 s on 2 cores).
# Both land in a versioned cache outside the clone (LOCKSTEP_TOOLS_DIR overrides it), so a
# second clone reuses them; <repo>/.tools is a symlink to it.
set -euo pipefail

TEMPORAL_CLI_VERSION=1.5.1   # later tags carry a go.mod `replace`, which `go install pkg@v` refuses
TEST_SERVER_VERSION=1.39.0   # newest io.temporal:temporal-test-server Maven Central serves here

repo=$(cd "$(dirname "$0")/.." && pwd)
tools=${LOCKSTEP_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lockstep/tools-cli${TEMPORAL_CLI_VERSION}-ts${TEST_SERVER_VERSION}}
mkdir -p "$tools/bin"
ln -sfn "$tools" "$repo/.tools"

need() { command -v "$1" >/dev/null || { echo "install-toolchain: '$1' is required ($2)" >&2; exit 1; }; }

cli="$tools/bin/temporal"
if [ -x "$cli" ]; then
  echo "toolchain: temporal CLI $TEMPORAL_CLI_VERSION present"
else
  need go "Go >= 1.25 builds the Temporal CLI"
  echo "toolchain: building temporal CLI v$TEMPORAL_CLI_VERSION with go install (about 6 minutes on a cold cache)"
  GOBIN="$tools/bin.partial" go install "github.com/temporalio/cli/cmd/temporal@v$TEMPORAL_CLI_VERSION"
  mv "$tools/bin.partial/temporal" "$cli"
  rmdir "$tools/bin.partial" 2>/dev/null || true
fi

lib="$tools/test-server/lib"
jsa="$tools/test-server/test-server.jsa"
launcher="$tools/bin/temporal-test-server"
if [ -f "$lib/.complete" ]; then
  echo "toolchain: temporal-test-server $TEST_SERVER_VERSION present"
else
  need mvn "Maven resolves the test server from Maven Central"
  need java "Java 17+ runs the test server"
  echo "toolchain: resolving io.temporal:temporal-test-server:$TEST_SERVER_VERSION"
  rm -rf "$lib"
  mvn -q -B -Dstyle.color=never -f "$repo/toolchain/test-server-pom.xml" dependency:copy-dependencies -DoutputDirectory="$lib"
  touch "$lib/.complete"
  rm -f "$jsa"
fi

cat > "$launcher.partial" <<LAUNCHER
#!/bin/sh
# Temporal time-skipping test server; the TypeScript SDK runs it as: <this> <port> [args...]
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:SharedArchiveFile="$jsa" -Xlog:cds=off \\
  -cp "$lib/*" io.temporal.testserver.TestServer "\$@"
LAUNCHER
chmod +x "$launcher.partial"
mv "$launcher.partial" "$launcher"

if [ ! -f "$jsa" ]; then
  echo "toolchain: writing the AppCDS archive for the test server"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ArchiveClassesAtExit="$jsa" -Xlog:cds=off \
    -cp "$lib/*" io.temporal.testserver.TestServer "$port" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  kill -TERM "$pid"
  wait "$pid" || true
  [ -f "$jsa" ] || echo "toolchain: no AppCDS archive was written; the test server still works, only starts slower" >&2
fi
echo "toolchain: ready in $tools"
