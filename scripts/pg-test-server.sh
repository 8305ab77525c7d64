#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback for the store tests.
#
#   scripts/pg-test-server.sh start DIR   initdb into DIR, start on a free port on 127.0.0.1,
#                                         print the connection string (for SLUIS_TEST_PG_DSN)
#   scripts/pg-test-server.sh stop DIR    stop the server and remove DIR
#
# The server runs as a non-root user (PostgreSQL refuses root): the invoking user, or `postgres`
# when run as root. Authentication is `trust`, on 127.0.0.1 only (no Unix socket outside DIR).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
if [[ -z "$cmd" || -z "$dir" ]]; then
  echo "gebruik: $0 start|stop DIR" >&2
  exit 2
fi

pgbin=""
for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
  if [[ -x "$d/initdb" ]]; then pgbin=$d; break; fi
done
if [[ -z "$pgbin" ]]; then
  echo "pg-test-server: geen PostgreSQL-server gevonden (scripts/install-deps.sh installeert 'postgresql')" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$cmd" in
  start)
    mkdir -p "$dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
    chmod 700 "$dir"
    if ! as_owner test -w "$dir"; then
      echo "pg-test-server: de gebruiker postgres kan $dir niet bereiken (een bovenliggende map is" \
           "afgeschermd, bijvoorbeeld TMPDIR onder /root); kies een map onder /tmp" >&2
      rm -rf "$dir"
      exit 1
    fi
    as_owner "$pgbin/initdb" -D "$dir/data" -U sluis --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A free port: ask the kernel for one, then hand it to the server (a tiny race we accept).
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    cat >"$dir/data/pg_hba.conf" <<EOF
local all all trust
host  all all 127.0.0.1/32 trust
EOF
    as_owner "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    echo "host=127.0.0.1 port=$port dbname=postgres user=sluis"
    ;;
  stop)
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_owner "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "gebruik: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
