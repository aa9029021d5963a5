"""Serve agents and IronWorker code packages: a claim says how to run a package's task, the
agent fetches the revision's zip from /farm/v1/revisions/{id}/code, and sends a long log to
/farm/v1/tasks/{id}/log."""

import hashlib

import pytest

from coordinator.api.ironworker import ids
from coordinator.models import Project
from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.farm.conftest import post
from tests.coordinator.api.farm.test_serve import claim
from tests.coordinator.api.ironworker.conftest import HELLO_ZIP, upload, upload_hello

CONFIG = '{"db": "x"}'
ENV_VARS = {'GREETING': 'hi', 'EMPTY': ''}


@pytest.fixture
def iron(client, alice_auth, agent):
    """alice's code package `hello` (with a config) and one task of it queued: (code, task id)."""
    base = f'/2/projects/{Project.get(Project.name == "default").hex_id}'
    code = upload_hello(client, alice_auth, base, config=CONFIG, env_vars=ENV_VARS)
    resp = client.simulate_post(f'{base}/tasks', headers=alice_auth,
                                json={'tasks': [{'code_name': 'hello', 'payload': 'p'}]})
    assert resp.status_code == 200, resp.text
    return code, resp.json['tasks'][0]['id']


def test_a_claim_gives_a_code_packages_task_its_iron_id_and_the_zip_to_fetch(
        client, alice_auth, iron):
    code, task_id = iron
    (task,) = claim(client, alice_auth)['tasks']
    assert (task['iron_id'], task['payload'], task['job_type']) == (task_id, 'p', 'hello')
    assert task['revision'] == ids.decode(ids.Kind.REVISION, code['latest_history_id'])
    answer = claim(client, alice_auth)
    assert answer['tasks'] == []


def test_the_revision_says_how_to_run_the_code(client, alice_auth, iron):
    answer = claim(client, alice_auth)
    (revision,) = answer['revisions'].values()
    assert revision['code'] == {'checksum': hashlib.md5(HELLO_ZIP).hexdigest(),
                                'runtime': 'python', 'file_name': 'hello/hello.py',
                                'config': CONFIG, 'env_vars': ENV_VARS,
                                'max_log_bytes': 1024 * 1024}


def test_a_worker_token_fetches_the_zip_byte_for_byte(client, alice, iron):
    code, _ = iron
    revision = ids.decode(ids.Kind.REVISION, code['latest_history_id'])
    worker = basic(users.create_token(alice, Scope.WORKER))
    resp = client.simulate_get(f'/farm/v1/revisions/{revision}/code', headers=worker)
    assert resp.status_code == 200
    assert resp.headers['content-type'] == 'application/zip'
    assert resp.content == HELLO_ZIP


def test_an_image_revision_or_another_projects_revision_has_no_zip_to_fetch(
        client, alice_auth, iron, database):
    code, _ = iron
    base = f'/2/projects/{Project.get(Project.name == "default").hex_id}'
    image = upload(client, alice_auth, base, {'name': 'img', 'image': 'iron/hello'})
    image_revision = ids.decode(ids.Kind.REVISION, image['latest_history_id'])
    revision = ids.decode(ids.Kind.REVISION, code['latest_history_id'])
    users.add_user('bob', project='other')
    bob = basic(users.create_token('bob', Scope.WORKER))
    for auth, number in ((alice_auth, image_revision), (alice_auth, 2**31 - 1), (bob, revision)):
        resp = client.simulate_get(f'/farm/v1/revisions/{number}/code', headers=auth)
        assert resp.status_code == 404 and resp.json['msg']
    assert client.simulate_get('/farm/v1/revisions/0/code',
                               headers=alice_auth).status_code == 404


def test_other_work_has_no_code_and_no_iron_id(client, alice_auth, agent):
    resp = post(client, alice_auth, '/farm/v1/runs', {'num_tasks': 1, 'command': ['true']})
    assert resp.status_code == 201
    (task,) = claim(client, alice_auth)['tasks']
    assert task['iron_id'] is None


def _put_log(client, auth, task, text, **fields):
    body = {'worker_uuid': 'agent-1', 'attempt': task['attempt'], 'log': text, **fields}
    return client.simulate_put(f'/farm/v1/tasks/{task["id"]}/log', json=body, headers=auth)


def test_a_long_log_sent_before_the_result_is_what_the_task_log_shows(
        client, alice_auth, iron):
    _, iron_id = iron
    (task,) = claim(client, alice_auth)['tasks']
    log = '[cut]\n' + 'line of output\n' * 50_000  # 700 KB: far past a result's tail
    resp = _put_log(client, alice_auth, task, log)
    assert resp.status_code == 200 and resp.json == {'kept_bytes': len(log)}
    claim(client, alice_auth, results=[{'id': task['id'], 'attempt': task['attempt'],
                                        'outcome': 'complete', 'exit_code': 0}])
    base = f'/2/projects/{Project.get(Project.name == "default").hex_id}'
    shown = client.simulate_get(f'{base}/tasks/{iron_id}/log', headers=alice_auth)
    assert shown.status_code == 200 and shown.text == log
    again = _put_log(client, alice_auth, task, 'late')  # finished: no log changes any more
    assert again.status_code == 409 and 'not running' in again.json['msg']


@pytest.mark.parametrize('fields, status, says', [
    ({'attempt': 2}, 409, 'not running at attempt 2'),
    ({'worker_uuid': 'nobody'}, 404, 'no worker nobody'),
    ({'log': 'x' * (1024 * 1024 + 513)}, 400, 'log is longer than'),
    ({'log': 7}, 400, 'log must be'),
    ({'attempt': 0}, 400, 'attempt'),
    ({'extra': 1}, 400, 'unknown field'),
])
def test_a_log_the_task_cannot_take_is_refused(client, alice_auth, iron, fields, status, says):
    (task,) = claim(client, alice_auth)['tasks']
    resp = _put_log(client, alice_auth, task, 'hello', **fields)
    assert resp.status_code == status and says in resp.json['msg'], resp.text
