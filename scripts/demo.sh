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
    for role in beheerder directeur mentor bevoegd-gezag fg; do
      echo "$role $("$SLUIS" token create --name "demo-$role" --role "$role" \
        --config "$CONFIG_DIR" --data-dir "$DATA_DIR" 2>/dev/null)"
    done
  } >"$TOKENS"
fi

# Drop the demo exports in the inboxes (Sluis recognises an export it stored before by its content).
mkdir -p "$DATA_DIR/povo-inbox" "$DATA_DIR/vensters-inbox"
cp "$CONFIG_DIR"/vensters-seed/* "$DATA_DIR/vensters-inbox/"
cp "$CONFIG_DIR"/inbox-seed/* "$DATA_DIR/inbox/"
# Group 8 as a Magister-style export (leerlingen, ouders, cijfers, overstapgegevens,
# schoolloopbaan, ...), bundled into one input. The OSO writer turns the cijfers into OSO
# cijferlijsten (docs/oso.md, "Cijfers").
"$SLUIS" demo generate-magister "$DATA_DIR/povo-export" --pupils 30 --seed 8 --brin 12AB \
  --bundle >/dev/null
cp "$DATA_DIR/povo-export/export.bundle" "$DATA_DIR/povo-inbox/groep8-magister.bundle"
MENTOR=$(awk '$1=="mentor"{print $2}' "$TOKENS")

ADMIN=$(awk '$1=="beheerder"{print $2}' "$TOKENS")
DIRECTEUR=$(awk '$1=="directeur"{print $2}' "$TOKENS")
cat <<INFO

Sluis demo start nu (stoppen: Ctrl-C).
  1) Demo-route: $DATA_DIR/inbox -> $DATA_DIR/outbox (geen poorten; direct afgeleverd)
  2) PO->VO (OSO POVO): $DATA_DIR/povo-inbox -> $DATA_DIR/oso-outbox
     30 dossiers wachten op inzage door de ouders, daarna op goedkeuring door de directeur:
     API=http://127.0.0.1:8480/api/v1
     curl -H "Authorization: Bearer $MENTOR" -X POST \$API/inzage \\
       -d '{"pupil":"10001","purpose":"povo","inzagedatum":"2026-11-20","akkoord":"Ja"}'
     curl -H "Authorization: Bearer $DIRECTEUR" "\$API/transfers?subject=10001"         (id)
     curl -H "Authorization: Bearer $DIRECTEUR" \$API/transfers/<id>/preview            (payload_hash)
     curl -H "Authorization: Bearer $DIRECTEUR" -X POST \$API/transfers/<id>/approve -d '{"payload_hash":"<hash>"}'
     -> een geldig OSO-dossier in $DATA_DIR/oso-outbox (controleer: build/app/sluis oso validate <bestand>)
  3) Vensters (Monitor Sociale Veiligheid): $DATA_DIR/vensters-inbox -> $DATA_DIR/inspectie-outbox
     per school een begeleide levering (akkoord bevoegd gezag, rapport, niveau, datum, vragen, opslaan):
     export SLUIS_TOKEN=\$(awk '\$1=="bevoegd-gezag"{print \$2}' $TOKENS)
     build/app/sluis vensters status
     build/app/sluis procedure show <id>        (en: report, choose, answer, save; docs/vensters.md)
  Beheer:   http://127.0.0.1:8480/health   en   /metrics
  Overzicht overdrachten:
    curl -H "Authorization: Bearer $ADMIN" http://127.0.0.1:8480/api/v1/transfers
  Inhoud van een overdracht (alleen directeur/zorgcoordinator, wordt gelogd):
    curl -H "Authorization: Bearer $DIRECTEUR" "http://127.0.0.1:8480/api/v1/transfers/<id>?include=payload"
  Tokens staan in $TOKENS

INFO
exec "$SLUIS" serve --config "$CONFIG_DIR" --data-dir "$DATA_DIR"
