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

# Demo accounts for the web interface, one per role, made once (password and TOTP secret are
# shown only when made, so they are kept in a file readable by you only).
ACCOUNTS=$DATA_DIR/demo-accounts.txt
if [[ ! -s $ACCOUNTS ]]; then
  umask 077
  {
    for role in beheerder directeur mentor zorgcoordinator bevoegd-gezag fg; do
      out=$("$SLUIS" account add --name "demo-$role" --role "$role" \
        --config "$CONFIG_DIR" --data-dir "$DATA_DIR" 2>/dev/null)
      pw=$(awk '$1=="wachtwoord:"{print $2}' <<<"$out")
      secret=$(awk '$1=="totp-geheim:"{print $2}' <<<"$out")
      echo "demo-$role $pw $secret"
    done
  } >"$ACCOUNTS"
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
  Webinterface: http://127.0.0.1:8480/web/   (alleen op deze computer)
  Demo-accounts (naam, wachtwoord, TOTP-geheim voor uw authenticator-app; ook in $ACCOUNTS):
$(awk '{printf "    %-22s %-22s %s\n", $1, $2, $3}' "$ACCOUNTS")
  De code van zes cijfers: zet het geheim in een authenticator-app, of
    python3 -c 'import base64,hmac,struct,time,sys;k=base64.b32decode(sys.argv[1]+"="*(-len(sys.argv[1])%8));h=hmac.digest(k,struct.pack(">Q",int(time.time())//30),"sha1");o=h[-1]&15;print("%06d"%((struct.unpack(">I",h[o:o+4])[0]&0x7fffffff)%1000000))' GEHEIM
  PO->VO in de browser: meld u aan als demo-mentor, leg bij "Toestemming en inzage" de inzage
  vast voor leerling 10001; meld u aan als demo-directeur, open "Goedkeuren", bekijk wat het
  gebouw verlaat en keur goed. (De curl-opdrachten hieronder doen hetzelfde via de API.)
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
  4) Samenwerkingsverband (op toestemming van de ouders): $DATA_DIR/swv-inbox -> $DATA_DIR/swv-outbox
     leeg; leg er een export in (zoals inbox-seed/*.jsonl): de dossiers wachten op de toestemming
     (web: "Toestemmingen", als demo-zorgcoordinator), daarna op goedkeuring.
  Beheer:   http://127.0.0.1:8480/health   en   /metrics
  Overzicht overdrachten:
    curl -H "Authorization: Bearer $ADMIN" http://127.0.0.1:8480/api/v1/transfers
  Inhoud van een overdracht (alleen directeur/zorgcoordinator, wordt gelogd):
    curl -H "Authorization: Bearer $DIRECTEUR" "http://127.0.0.1:8480/api/v1/transfers/<id>?include=payload"
  Tokens staan in $TOKENS

INFO
exec "$SLUIS" serve --config "$CONFIG_DIR" --data-dir "$DATA_DIR"
