#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server (Debian's postgresql package, installed by setup.sh) for
# the service's replica tests and prints its URL on stdout:
#   bash scripts/postgres.sh start DIR   -> postgres://postgres@127.0.0.1:PORT/postgres
#   bash scripts/postgres.sh stop DIR
# The cluster lives in DIR (created with initdb, trust authentication, listening on 127.0.0.1
# only, its socket inside DIR). Starting an already running cluster prints its URL again.
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user (then
# DIR's parent directories must be searchable by that user: not under a mode-0700 directory).
set -euo pipefail

cmd=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bin/pg_ctl" ] || { echo "postgres.sh: no PostgreSQL server found (run scripts/setup.sh)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
data="$dir/data"

case "$cmd" in
  start)
    if [ ! -f "$data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if [ -f "$dir/port" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      port=$(cat "$dir/port")
    else
      # A free port chosen by the kernel.
      port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
      echo "$port" >"$dir/port"
      as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=200 -c fsync=on" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -f "$data/PG_VERSION" ]; then
      as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    ;;
  *)
    echo "postgres.sh: unknown command $cmd" >&2
    exit 2
    ;;
esac
