#!/usr/bin/env bash
# Builds and runs the whole test suite, twice: a normal build and an ASan+UBSan build.
# This is the README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
JOBS=${SLUIS_JOBS:-$(nproc)}
# ccache, when the machine has it, only speeds up rebuilds; nothing depends on it.
LAUNCHER=()
if command -v ccache >/dev/null 2>&1; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi

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

# The OSO oracle suite (tests/oso_official/) compares Sluis's verdicts with the official XSD and
# XSLT rules. It finds that material only through SLUIS_OSO_OFFICIAL_DIR; set it here when the
# official material lies beside the clone (the directory tested below, holding 2019.1/). An explicit value
# wins. Without it the suite reports that it did not run (and fails under CI=true).
if [[ -z "${SLUIS_OSO_OFFICIAL_DIR:-}" && -d ../shared/oso ]]; then
  SLUIS_OSO_OFFICIAL_DIR=$(cd ../shared/oso && pwd)
  export SLUIS_OSO_OFFICIAL_DIR
fi
echo "SLUIS_OSO_OFFICIAL_DIR=${SLUIS_OSO_OFFICIAL_DIR:-(niet gezet: de OSO-orakeltests draaien niet)}"

echo "== build (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${LAUNCHER[@]}" >/dev/null
cmake --build build -j "$JOBS"
echo "== tests"
ctest --test-dir build --output-on-failure -j "$JOBS"

if [[ "${SLUIS_SKIP_SANITIZERS:-0}" != "1" ]]; then
  echo "== build (ASan+UBSan)"
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUIS_SANITIZE=ON \
    -DSLUIS_BUILD_BENCH=OFF "${LAUNCHER[@]}" >/dev/null
  cmake --build build-asan -j "$JOBS"
  echo "== tests (ASan+UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$JOBS"
fi
