"""taskfarm API: the wire contract of taskfarm 0.4.0 (status codes, fields, types), served from the store."""

import pytest

from tests.conftest import PASSWORD, basic


@pytest.fixture
def run(client, alice_auth):
    resp = client.simulate_post('/api/run', json={'numTasks': 3}, headers=alice_auth)
    assert resp.status_code == 201
    return resp.json


@pytest.fixture
def worker(client, alice_auth):
    resp = client.simulate_post('/api/worker', json={'uuid': 'w1', 'hostname': 'n1', 'pid': 7},
                                headers=alice_auth)
    assert resp.status_code == 201
    return 'w1'


def claim(client, auth, run_uuid, worker_uuid='w1'):
    return client.simulate_post(f'/api/runs/{run_uuid}/task', json={'worker_uuid': worker_uuid},
                                headers=auth)


def test_the_index_is_public_and_says_what_it_is(client):
    resp = client.simulate_get('/')
    assert resp.status_code == 200
    assert 'HPC Taskfarm' in resp.text and resp.headers['content-type'].startswith('text/html')


def test_health_is_public(client):
    assert client.simulate_get('/health').json == {'status': 'ok', 'database': 'ok'}


def test_a_password_buys_a_token_that_works_as_the_basic_user_name(client, alice):
    token = client.simulate_get('/api/token', headers=basic(alice, PASSWORD)).json['token']
    assert client.simulate_get('/api/runs', headers=basic(token)).status_code == 200
    assert client.simulate_get('/api/runs', headers={'Authorization': f'Bearer {token}'}).status_code == 200
    again = client.simulate_get('/api/token', headers=basic(token)).json['token']
    assert again != token and client.simulate_get('/api/runs', headers=basic(again)).status_code == 200


def test_creating_a_run_answers_201_with_a_32_hex_uuid(run):
    assert run['numTasks'] == 3 and isinstance(run['id'], int)
    assert len(run['uuid']) == 32 and int(run['uuid'], 16) >= 0


def test_runs_are_listed_under_data(client, alice_auth, run):
    assert client.simulate_get('/api/runs', headers=alice_auth).json == {'data': [run]}


def test_run_status_has_every_key_and_answers_single_info_items(client, alice_auth, run):
    full = client.simulate_get(f"/api/runs/{run['uuid']}", params={'info': ''}, headers=alice_auth).json
    assert full == {'id': run['id'], 'uuid': run['uuid'], 'numTasks': 3, 'percentDone': 0.0,
                    'numWaiting': 3, 'numDone': 0, 'numComputing': 0, 'numFailed': 0}
    for key in ('percentDone', 'numWaiting', 'numDone', 'numComputing'):
        one = client.simulate_get(f"/api/runs/{run['uuid']}", params={'info': key}, headers=alice_auth)
        assert one.json == {key: full[key]}


def test_claims_answer_201_with_the_task_then_204_with_an_empty_body(client, alice_auth, run, worker):
    tasks = [claim(client, alice_auth, run['uuid']) for _ in range(3)]
    assert [t.status_code for t in tasks] == [201, 201, 201]
    assert [t.json['task'] for t in tasks] == [0, 1, 2]
    assert tasks[0].json['status'] == 'computing' and tasks[0].json['percentCompleted'] == 0.0
    last = claim(client, alice_auth, run['uuid'])
    assert last.status_code == 204 and last.content == b''


def test_a_task_reads_whole_or_by_info_item(client, alice_auth, run, worker):
    claim(client, alice_auth, run['uuid'])
    base = f"/api/runs/{run['uuid']}/tasks/0"
    assert client.simulate_get(base, headers=alice_auth).json['status'] == 'computing'
    assert client.simulate_get(base, params={'info': 'status'}, headers=alice_auth).json == {'status': 'computing'}
    assert client.simulate_get(base, params={'info': 'percentCompleted'},
                               headers=alice_auth).json == {'percentCompleted': 0.0}


def test_put_progress_then_done_answers_204_and_counts(client, alice_auth, run, worker):
    claim(client, alice_auth, run['uuid'])
    base = f"/api/runs/{run['uuid']}/tasks/0"
    for body in ({'percentCompleted': 100}, {'status': 'done'}):
        resp = client.simulate_put(base, json=body, headers=alice_auth)
        assert resp.status_code == 204 and resp.content == b''
    full = client.simulate_get(f"/api/runs/{run['uuid']}", headers=alice_auth).json
    assert (full['numDone'], full['numWaiting'], full['percentDone']) == (1, 2, pytest.approx(100 / 3))


def test_restart_takes_capitalised_booleans_and_answers_204(client, alice_auth, run, worker):
    claim(client, alice_auth, run['uuid'])
    for value in ('True', 'False'):
        resp = client.simulate_post(f"/api/runs/{run['uuid']}/restart", params={'all': value},
                                    headers=alice_auth)
        assert resp.status_code == 204
    assert client.simulate_get(f"/api/runs/{run['uuid']}", headers=alice_auth).json['numWaiting'] == 3


def test_delete_answers_204_and_the_run_is_gone(client, alice_auth, run):
    assert client.simulate_delete(f"/api/runs/{run['uuid']}", headers=alice_auth).status_code == 204
    assert client.simulate_get(f"/api/runs/{run['uuid']}", headers=alice_auth).status_code == 404


def test_registering_the_same_worker_twice_is_not_an_error(client, alice_auth, worker):
    again = client.simulate_post('/api/worker', json={'uuid': worker, 'hostname': 'n2', 'pid': 8},
                                 headers=alice_auth)
    assert again.status_code == 201 and again.json['uuid'] == worker
