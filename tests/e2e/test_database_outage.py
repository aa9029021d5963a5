"""A real PostgreSQL restart under a running coordinator: the reaper and the requests reconnect."""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / 'scripts' / 'services.sh'


def restart_postgresql() -> None:
    if os.geteuid() != 0 or not shutil.which('pg_ctlcluster'):
        pytest.skip('restarting PostgreSQL needs root and a local cluster (scripts/services.sh)')
    restarted = subprocess.run([str(SERVICES), 'restart', 'postgres'], capture_output=True,
                               text=True, timeout=180)
    assert restarted.returncode == 0, restarted.stderr


def call(coordinator, token: str, method: str, path: str, body=None, *, until_s: float = 30):
    """One API call, repeated while the coordinator answers 503 (the database coming back)."""
    deadline = time.monotonic() + until_s
    while True:
        request = urllib.request.Request(
            coordinator.url + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.parametrize('database_url', ['postgres'], indirect=True)
def test_a_worker_that_dies_after_a_postgresql_restart_is_still_reaped(serve):
    coordinator = serve(workers=2, FARM_WORKER_TTL_S='4')  # a pass a second, lost after 4 s
    token = coordinator.cli('token', 'create', 'alice').stdout.strip()
    run = call(coordinator, token, 'POST', '/farm/v1/runs', {'num_tasks': 1})['uuid']
    time.sleep(6)  # every reaper has made passes (after a first ttl, in older releases) and holds
    # a connection that the restart breaks
    restart_postgresql()
    call(coordinator, token, 'POST', '/farm/v1/workers',
         {'uuid': 'doomed', 'hostname': 'node', 'pid': 1, 'slots': 1})
    claimed = call(coordinator, token, 'POST', f'/farm/v1/runs/{run}/claim',
                   {'worker_uuid': 'doomed', 'max_tasks': 1})['tasks']
    assert [task['attempt'] for task in claimed] == [1]
    # the agent dies here: no heartbeat, no result

    deadline = time.monotonic() + 30
    while call(coordinator, token, 'GET', f'/farm/v1/runs/{run}')['waiting'] != 1:
        assert time.monotonic() < deadline, coordinator.log_path.read_text()[-3000:]
        time.sleep(0.5)
    (worker,) = call(coordinator, token, 'GET', '/farm/v1/workers?state=lost')['workers']
    assert worker['uuid'] == 'doomed' and worker['reason'].startswith('no heartbeat')
    log = coordinator.log_path.read_text()
    assert 'Traceback' not in log
