"""Many concurrent claimers against several gunicorn workers: no task is ever handed out twice."""

import http.client
import json
import multiprocessing

import pytest

from tests.conftest import PASSWORD, basic

pytestmark = pytest.mark.timeout(240)

CLAIMERS = 8
TASKS = 600


def _claim_until_empty(port: int, auth: dict, run_uuid: str, index: int) -> list[int]:
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    headers = {**auth, 'Content-Type': 'application/json'}

    def call(method, path, body=None):
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()

    worker_uuid = f'claimer-{index}'
    assert call('POST', '/api/worker', {'uuid': worker_uuid, 'hostname': 'h', 'pid': index})[0] == 201
    numbers = []
    while True:
        status, body = call('POST', f'/api/runs/{run_uuid}/task', {'worker_uuid': worker_uuid})
        if status == 204:
            return numbers
        assert status == 201, (status, body)
        number = json.loads(body)['task']
        numbers.append(number)
        assert call('PUT', f'/api/runs/{run_uuid}/tasks/{number}', {'status': 'done'})[0] == 204


def test_concurrent_claimers_on_four_gunicorn_workers_get_disjoint_tasks(serve):
    coordinator = serve(workers=4)
    token_status, token_body = _get(coordinator.port, '/api/token', basic('alice', PASSWORD))
    auth = basic(json.loads(token_body)['token'])
    status, body = _post(coordinator.port, '/api/run', {'numTasks': TASKS}, auth)
    run_uuid = json.loads(body)['uuid']
    with multiprocessing.get_context('spawn').Pool(CLAIMERS) as pool:
        results = pool.starmap(_claim_until_empty,
                               [(coordinator.port, auth, run_uuid, i) for i in range(CLAIMERS)])
    numbers = sorted(n for got in results for n in got)
    assert numbers == list(range(TASKS)), 'each task handed out exactly once'
    final = json.loads(_get(coordinator.port, f'/api/runs/{run_uuid}', auth)[1])
    assert (final['numDone'], final['numComputing'], final['numWaiting']) == (TASKS, 0, 0)


def _get(port, path, headers):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    conn.request('GET', path, headers=headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def _post(port, path, body, headers):
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
    conn.request('POST', path, body=json.dumps(body), headers={**headers, 'Content-Type': 'application/json'})
    resp = conn.getresponse()
    return resp.status, resp.read()
