#!/usr/bin/env bash
# Installs the Debian 12 packages Sluis needs to build, test and run. Idempotent: installs only what is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libpoco-dev libssl-dev libcurl4-openssl-dev libpugixml-dev nlohmann-json3-dev
  libxml2-dev libxml2-utils libsqlite3-dev sqlite3 libgtest-dev libgmock-dev
  openssl curl python3 procps
  # jemalloc: the allocator of the sluis binary and the benchmarks (cmake/SluisTarget.cmake).
  libjemalloc-dev
  # libargon2: password hashes of the web interface's local accounts (docs/web.md).
  libargon2-dev
  # The web interface's browser test (tests/web/): headless Chromium driven by Selenium.
  chromium chromium-driver python3-selenium
  # pdftotext: the Vensters PDF tests read the rendered report back with it.
  poppler-utils
  # Saxon-HE and a JRE: the OSO oracle suite (tests/oso_official/) runs the official XSLT
  # business rules with them when SLUIS_OSO_OFFICIAL_DIR names the official material.
  libsaxonhe-java default-jre-headless
)
# Tests start a real PostgreSQL server on loopback (scripts/pg-test-server.sh). The PostgreSQL store
# itself needs libpq-dev; its Poco connector (PocoDataPostgreSQL) comes with libpoco-dev.
if [[ "${SLUIS_WITH_POSTGRES:-1}" == "1" ]]; then
  PACKAGES+=(postgresql libpq-dev)
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: alle pakketten zijn al aanwezig."
  exit 0
fi

echo "install-deps: installeren: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
