#!/usr/bin/env bash
# services.sh - start the real services the test suite needs, from Debian packages, as root.
#
# Usage: scripts/services.sh start|stop|url postgres
#   start  installs PostgreSQL if missing, starts its cluster, creates the test role and
#          database (idempotent), and prints the database URL on the last line of stdout
#   stop   stops the cluster, but only if this script started it
#   url    prints the URL without starting anything
# Environment: SERVICES_DIR (default /tmp/farm-services), PG_DB, PG_USER, PG_PASSWORD
# (default farm_test / farm / farm).
set -Eeuo pipefail

ACTION=${1:?usage: services.sh start|stop|url postgres}
SERVICE=${2:-postgres}
DIR=${SERVICES_DIR:-/tmp/farm-services}
PG_DB=${PG_DB:-farm_test}
PG_USER=${PG_USER:-farm}
PG_PASSWORD=${PG_PASSWORD:-farm}
export DEBIAN_FRONTEND=noninteractive

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $SERVICE == postgres ]] || die "unknown service '$SERVICE' (postgres)"
install -d "$DIR"

need_packages() {             # install only what is missing; --no-upgrade leaves the image alone
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || die "installing ${missing[*]} needs root"
  log "apt-get install ${missing[*]}"
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

cluster() {                   # "version name port status" of the newest cluster, preferring 'main'
  pg_lsclusters -h 2>/dev/null | sort -V | awk '{print $1, $2, $3, $4, ($2 == "main")}' \
    | sort -k5,5n -s | tail -n1 | cut -d' ' -f1-4
}

pg_url() { echo "postgresql://$PG_USER:$PG_PASSWORD@127.0.0.1:$1/$PG_DB"; }

start_postgres() {
  need_packages postgresql
  local ver name port status
  read -r ver name port status < <(cluster) || true
  if [[ -z ${ver:-} ]]; then
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    log "creating PostgreSQL $ver cluster main"
    pg_createcluster "$ver" main >/dev/null
    read -r ver name port status < <(cluster)
  fi
  if [[ $status != online ]]; then
    log "starting PostgreSQL $ver/$name on port $port"
    pg_ctlcluster "$ver" "$name" start || die "pg_ctlcluster $ver $name start failed"
    echo "$ver $name" >"$DIR/postgres.started"
  fi
  for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
  pg_isready -q -h 127.0.0.1 -p "$port" || die "PostgreSQL is not ready on port $port"
  (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" \
      -v u="$PG_USER" -v pw="$PG_PASSWORD" -v db="$PG_DB") <<'SQL' || die "creating role/database failed"
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'u', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u')\gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'u', :'pw')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'u')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SQL
  log "PostgreSQL ready: $(pg_url "$port" | sed 's/:[^:@]*@/:***@/')"
  pg_url "$port"
}

stop_postgres() {
  [[ -s $DIR/postgres.started ]] || { log "PostgreSQL was not started by this script"; return 0; }
  local ver name
  read -r ver name <"$DIR/postgres.started"
  pg_ctlcluster "$ver" "$name" stop && rm -f "$DIR/postgres.started"
}

case $ACTION in
  start) start_postgres ;;
  stop) stop_postgres ;;
  url) read -r _ _ port _ < <(cluster) && pg_url "$port" ;;
  *) die "unknown action '$ACTION' (start|stop|url)" ;;
esac
