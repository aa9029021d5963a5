#!/usr/bin/env bash
# run.sh - the main job on one machine: the coordinator on SQLite in ./farm-data (a demo user),
# plus a demo run of 20 tasks worked by a local farmworker agent. Ctrl-C stops everything.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
[[ $VENV == /* ]] || VENV=$PWD/$VENV  # the agent's tasks find `farmworker` on PATH through it
export FARM_DATA_DIR=${FARM_DATA_DIR:-$PWD/farm-data}
export FARM_BIND=${FARM_BIND:-127.0.0.1:8080}
URL=http://$FARM_BIND
farm() { "$VENV/bin/farm-coordinator" "$@"; }

farm init
if ! farm user list | grep -q '^demo '; then
  password=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
  echo "$password" | farm user add demo --password-stdin
  echo "$password" >"$FARM_DATA_DIR/demo-password"
  chmod 600 "$FARM_DATA_DIR/demo-password"
fi
token=$(farm token create demo 2>/dev/null)

# Stop the agent first and wait for it (it drains: its tasks end or are handed back), then the
# coordinator. On Ctrl-C the terminal signals the coordinator too: the agent then leaves without
# it, in bounded time.
stop() {
  trap - EXIT INT TERM HUP
  if [[ -n ${agent:-} ]]; then
    kill -TERM "$agent" 2>/dev/null || true
    wait "$agent" || true
  fi
  kill -TERM "$coordinator" 2>/dev/null || true
  wait "$coordinator" || true
}
"$VENV/bin/farm-coordinator" serve &
coordinator=$!
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# wait for the coordinator, then create a demo run through the farmworker protocol
run=$(FARM_TOKEN=$token "$VENV/bin/python" - "$URL" <<'PY'
import json, os, sys, time, urllib.request
url = sys.argv[1]
for _ in range(100):
    try:
        urllib.request.urlopen(url + '/health', timeout=1)
        break
    except OSError:
        time.sleep(0.1)
request = urllib.request.Request(
    url + '/farm/v1/runs', data=json.dumps({'num_tasks': 20, 'name': 'demo'}).encode(), method='POST',
    headers={'Authorization': 'Bearer ' + os.environ['FARM_TOKEN'],
             'Content-Type': 'application/json'})
print(json.load(urllib.request.urlopen(request, timeout=10))['uuid'])
PY
)
PATH="$VENV/bin:$PATH" FARM_URL=$URL FARM_TOKEN=$token \
  "$VENV/bin/farmworker" run --run "$run" --slots 2 --log-dir "$FARM_DATA_DIR/logs" \
  -- sh -c 'sleep 1; farmworker progress 50 halfway; sleep 1; echo "task {task} done"' &
agent=$!

cat <<MSG

  Coordinator:  $URL/   (health: /health, API description: /openapi.json)
  User:         demo, password in $FARM_DATA_DIR/demo-password
  Token:        $token
  Demo run:     $run (20 tasks, worked by a local farmworker with 2 slots)

  Dashboard: $VENV/bin/farm-tui --url $URL --token $token
  Watch it:  FARM_URL=$URL FARM_TOKEN=$token $VENV/bin/farm run wait $run
             curl -s -H "Authorization: Bearer $token" $URL/farm/v1/runs/$run
             $VENV/bin/manageTF -b $URL/api/ -u demo -p \$(cat $FARM_DATA_DIR/demo-password) -i $run
  Logs:      $FARM_DATA_DIR/logs/$run/

MSG
wait $coordinator
