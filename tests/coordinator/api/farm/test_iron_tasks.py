"""IronWorker tasks over /farm/v1/iron-tasks: listed by code package and status with their
24-hex ids, and cancelled as the /2/ cancel does, a running one stopped by its agent."""

import pytest

from coordinator.models import Project
from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.farm.conftest import get, post
from tests.coordinator.api.farm.test_serve import claim
from tests.coordinator.api.ironworker.conftest import upload_hello


@pytest.fixture
def iron(client, alice_auth, agent):
    """Three tasks of alice's code packages hello (two) and bye (one): their ids, oldest first."""
    base = f'/2/projects/{Project.get(Project.name == "default").hex_id}'
    for name in ('hello', 'bye'):
        upload_hello(client, alice_auth, base, name=name)
    resp = client.simulate_post(f'{base}/tasks', headers=alice_auth, json={'tasks': [
        {'code_name': 'hello', 'payload': 'a', 'priority': 2, 'label': 'first'},
        {'code_name': 'hello', 'payload': 'b'}, {'code_name': 'bye', 'payload': 'c'}]})
    assert resp.status_code == 200, resp.text
    return [task['id'] for task in resp.json['tasks']]


def test_tasks_are_listed_newest_first_by_code_package_and_status(client, alice_auth, iron):
    listed = get(client, alice_auth, '/farm/v1/iron-tasks')['tasks']
    assert [task['id'] for task in listed] == iron[::-1]
    first = listed[-1]
    assert {key: first[key] for key in ('code_name', 'code_rev', 'status', 'priority', 'label',
                                        'attempt', 'started_at', 'duration_s')} == {
        'code_name': 'hello', 'code_rev': 1, 'status': 'queued', 'priority': 2,
        'label': 'first', 'attempt': 0, 'started_at': None, 'duration_s': None}
    assert first['created_at'].endswith('Z') and first['task_id'] == int(iron[0][8:], 16)
    hello = get(client, alice_auth, '/farm/v1/iron-tasks', code_name='hello')['tasks']
    assert [task['id'] for task in hello] == iron[1::-1]
    assert get(client, alice_auth, '/farm/v1/iron-tasks', code_name='nope')['tasks'] == []
    page = get(client, alice_auth, '/farm/v1/iron-tasks', limit=1, offset=1)['tasks']
    assert [task['id'] for task in page] == [iron[1]]
    assert get(client, alice_auth, '/farm/v1/iron-tasks', status='running')['tasks'] == []


@pytest.mark.parametrize('params, says', [({'status': 'done'}, 'status'),
                                          ({'limit': 0}, 'limit'), ({'offset': -1}, 'offset')])
def test_a_bad_query_is_400_naming_it(client, alice_auth, iron, params, says):
    resp = client.simulate_get('/farm/v1/iron-tasks', headers=alice_auth, params=params)
    assert resp.status_code == 400 and says in resp.text


def test_a_queued_task_is_cancelled_once_and_never_handed_out(client, alice_auth, iron):
    resp = post(client, alice_auth, f'/farm/v1/iron-tasks/{iron[0]}/cancel')
    assert resp.status_code == 200 and (resp.json['id'], resp.json['status']) == (
        iron[0], 'cancelled')
    again = post(client, alice_auth, f'/farm/v1/iron-tasks/{iron[0]}/cancel')
    assert again.status_code == 409 and 'already finished (cancelled)' in again.text
    handed = [task['iron_id'] for task in claim(client, alice_auth)['tasks']]
    assert sorted(handed) == sorted(iron[1:])


def test_a_running_task_cancelled_is_named_to_its_agent_to_stop(client, alice_auth, iron):
    tasks = claim(client, alice_auth)['tasks']
    running = next(task for task in tasks if task['iron_id'] == iron[1])
    assert post(client, alice_auth, f'/farm/v1/iron-tasks/{iron[1]}/cancel').status_code == 200
    held = [[task['id'], task['attempt']] for task in tasks]
    reply = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat', {'held': held}).json
    assert reply['stop'] == [[running['id'], running['attempt']]]


@pytest.mark.parametrize('iron_id', ['00007a5c' + 'f' * 16, 'c0de' + '0' * 20, 'not-an-id'])
def test_an_unknown_id_is_404(client, alice_auth, iron, iron_id):
    resp = post(client, alice_auth, f'/farm/v1/iron-tasks/{iron_id}/cancel')
    assert resp.status_code == 404


def test_a_worker_token_may_neither_list_nor_cancel(client, alice, iron):
    worker = basic(users.create_token(alice, Scope.WORKER))
    resp = client.simulate_post(f'/farm/v1/iron-tasks/{iron[0]}/cancel', headers=worker)
    assert resp.status_code == 403
    assert client.simulate_get('/farm/v1/iron-tasks', headers=worker).status_code == 403
