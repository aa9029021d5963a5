"""Bodies sent chunked (no Content-Length) are read to their end, within the same size limits."""

import io
import json


def chunked(client, auth, path: str, body) -> object:
    """POST `body` the way gunicorn hands over a chunked request: no Content-Length, and an
    input that the server ends where the body ends (wsgi.input_terminated)."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.simulate_post(path, headers={**auth, 'Transfer-Encoding': 'chunked'},
                                extras={'wsgi.input': io.BytesIO(raw),
                                        'wsgi.input_terminated': True})


def test_a_chunked_body_creates_a_run_in_either_api(client, alice_auth):
    farm_run = chunked(client, alice_auth, '/farm/v1/runs', {'num_tasks': 3, 'name': 'sweep'})
    assert farm_run.status_code == 201, farm_run.text
    assert (farm_run.json['num_tasks'], farm_run.json['name']) == (3, 'sweep')
    taskfarm_run = chunked(client, alice_auth, '/api/run', {'numTasks': 2})
    assert taskfarm_run.status_code == 201, taskfarm_run.text
    assert taskfarm_run.json['numTasks'] == 2


def test_a_chunked_restart_body_is_obeyed(client, alice_auth):
    run = chunked(client, alice_auth, '/farm/v1/runs', {'num_tasks': 2}).json['uuid']
    base = f'/farm/v1/runs/{run}'
    agent = {'uuid': 'agent-1', 'hostname': 'node01', 'pid': 7, 'slots': 1}
    assert chunked(client, alice_auth, '/farm/v1/workers', agent).status_code == 201
    claimed = chunked(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1',
                                                            'max_tasks': 1}).json['tasks'][0]
    report = chunked(client, alice_auth, base + '/results', {'worker_uuid': 'agent-1', 'results': [
        {'number': claimed['number'], 'attempt': claimed['attempt'], 'outcome': 'complete'}]})
    assert report.status_code == 200, report.text
    restarted = chunked(client, alice_auth, base + '/restart', {'all': True})
    assert restarted.status_code == 200, restarted.text
    assert (restarted.json['done'], restarted.json['waiting']) == (0, 2)


def test_a_chunked_body_over_the_limit_gets_413(client, alice_auth, config):
    padded = b'{"numTasks": 1, "pad": "' + b'x' * config.max_body_bytes + b'"}'
    resp = chunked(client, alice_auth, '/api/run', padded)
    assert resp.status_code == 413 and resp.json['msg']
    assert client.simulate_get('/api/runs', headers=alice_auth).json['data'] == []
