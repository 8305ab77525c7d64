#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running Sluis demo:
# installs what is missing, builds `sluis`, prepares a data dir with the demo configuration and
# starts `sluis serve` in the foreground (Ctrl-C stops it). See README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA_DIR=${SLUIS_DATA_DIR:-$ROOT/data}
CONFIG_DIR=${SLUIS_CONFIG_DIR:-$ROOT/config/demo}

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target sluis

SLUIS=$ROOT/build/app/sluis
"$SLUIS" check-config --data-dir "$DATA_DIR" "$CONFIG_DIR"
mkdir -p "$DATA_DIR/inbox"

# Demo tokens, made once; the file is readable by you only.
TOKENS=$DATA_DIR/demo-tokens.txt
if [[ ! -s $TOKENS ]]; then
  umask 077
  {
    for role in beheerder directeur mentor; do
      echo "$role $("$SLUIS" token create --name "demo-$role" --role "$role" \
        --config "$CONFIG_DIR" --data-dir "$DATA_DIR" 2>/dev/null)"
    done
  } >"$TOKENS"
fi

# Drop the demo export in the inbox (Sluis recognises an export it stored before by its content).
cp "$CONFIG_DIR"/inbox-seed/* "$DATA_DIR/inbox/"

ADMIN=$(awk '$1=="beheerder"{print $2}' "$TOKENS")
DIRECTEUR=$(awk '$1=="directeur"{print $2}' "$TOKENS")
cat <<INFO

Sluis demo start nu (stoppen: Ctrl-C).
  Inbox:    $DATA_DIR/inbox   (leg hier een .jsonl-export neer)
  Outbox:   $DATA_DIR/outbox  (afgeleverde overdrachten)
  Beheer:   http://127.0.0.1:8480/health   en   /metrics
  Overzicht overdrachten:
    curl -H "Authorization: Bearer $ADMIN" http://127.0.0.1:8480/api/v1/transfers
  Inhoud van een overdracht (alleen directeur/zorgcoordinator, wordt gelogd):
    curl -H "Authorization: Bearer $DIRECTEUR" "http://127.0.0.1:8480/api/v1/transfers/<id>?include=payload"
  Tokens staan in $TOKENS

INFO
exec "$SLUIS" serve --config "$CONFIG_DIR" --data-dir "$DATA_DIR"
