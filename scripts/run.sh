#!/usr/bin/env bash
# run.sh - the coordinator on SQLite in ./farm-data, with a demo user, serving on FARM_BIND.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
export FARM_DATA_DIR=${FARM_DATA_DIR:-$PWD/farm-data}
export FARM_BIND=${FARM_BIND:-127.0.0.1:8080}
farm() { "$VENV/bin/farm-coordinator" "$@"; }

farm init
if ! farm user list | grep -q '^demo '; then
  password=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  echo "$password" | farm user add demo --password-stdin
  echo "$password" >"$FARM_DATA_DIR/demo-password"
  chmod 600 "$FARM_DATA_DIR/demo-password"
fi
token=$(farm token create demo 2>/dev/null)
cat <<MSG

  Coordinator:  http://$FARM_BIND/   (health: /health, API description: /openapi.json)
  User:         demo, password in $FARM_DATA_DIR/demo-password
  Token:        $token

  Try it:   curl -u $token: http://$FARM_BIND/api/runs
            $VENV/bin/manageTF -b http://$FARM_BIND/api/ -u demo -p \$(cat $FARM_DATA_DIR/demo-password) -l

MSG
exec "$VENV/bin/farm-coordinator" serve
