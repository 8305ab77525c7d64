#!/usr/bin/env bash
# Builds and runs the whole test suite, twice: a normal build and an ASan+UBSan build.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
JOBS=${SLUIS_JOBS:-$(nproc)}

# The PostgreSQL store tests run against a real, throwaway PostgreSQL server on loopback
# (they fail, not skip, without it). Stopped and removed on exit.
# As root the server runs as `postgres`, which cannot enter a TMPDIR under /root: use /tmp then.
if [[ $(id -u) -eq 0 ]]; then PG_PARENT=/tmp; else PG_PARENT=${TMPDIR:-/tmp}; fi
PG_DIR=$(mktemp -d "$PG_PARENT/sluis-pg.XXXXXX")
trap 'scripts/pg-test-server.sh stop "$PG_DIR"' EXIT
echo "== PostgreSQL test server"
SLUIS_TEST_PG_DSN=$(scripts/pg-test-server.sh start "$PG_DIR")
export SLUIS_TEST_PG_DSN
echo "SLUIS_TEST_PG_DSN=$SLUIS_TEST_PG_DSN"

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
echo "== tests"
ctest --test-dir build --output-on-failure -j "$JOBS"

if [[ "${SLUIS_SKIP_SANITIZERS:-0}" != "1" ]]; then
  echo "== build (ASan+UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUIS_SANITIZE=ON \
    -DSLUIS_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j "$JOBS"
  echo "== tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS"
fi
