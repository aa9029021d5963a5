"""Serve agents over /farm/v1: one claim for runs and queued jobs, results and heartbeats by id."""

import pytest

from coordinator.store import queue, users
from tests.conftest import PASSWORD
from tests.coordinator.api.farm.conftest import AGENT, get, make_run, post
from tests.coordinator.api.scale.conftest import SECRET, TYPES, example


@pytest.fixture
def queued(client, alice_auth, agent):
    """The Scale example type `test` (uncapped) with two jobs queued, and a run of two tasks after
    them."""
    assert post(client, alice_auth, TYPES, dict(example(), max_scheduled=None)).status_code == 201
    alice = users.principal_for_password('alice', PASSWORD)
    ids = queue.queue_tasks(alice, 'test', '1.0.0', [queue.Order(payload='{"input": {}}')] * 2)
    run = make_run(client, alice_auth, num_tasks=2, command=['echo', '{task}'],
                   task_timeout_s=60)
    return ids, run['uuid']


def claim(client, auth, **body):
    resp = post(client, auth, '/farm/v1/claim', {'worker_uuid': 'agent-1', 'max_tasks': 10,
                                                 **body})
    assert resp.status_code == 200, resp.text
    return resp.json


def test_one_claim_hands_out_queued_jobs_then_a_runs_tasks_with_what_runs_them(
        client, alice_auth, queued):
    ids, run_uuid = queued
    answer = claim(client, alice_auth)
    jobs, of_run = answer['tasks'][:2], answer['tasks'][2:]
    assert [task['id'] for task in jobs] == ids
    assert {(task['job_type'], task['version'], task['payload']) for task in jobs} == {
        ('test', '1.0.0', '{"input": {}}')}
    assert [(task['run'], task['number'], task['job_type']) for task in of_run] == [
        (run_uuid, 0, 'taskfarm-run'), (run_uuid, 1, 'taskfarm-run')]
    (revision,) = answer['revisions'].values()
    assert revision['manifest']['job']['name'] == 'test'
    assert revision['settings']['DB_PASS'] == SECRET  # the agent that runs it is told
    assert answer['runs'] == {run_uuid: {'command': ['echo', '{task}'], 'task_timeout_s': 60.0,
                                         'expected_duration_s': None}}


def test_known_revisions_are_left_out_and_job_types_limit_the_claim(client, alice_auth, queued):
    ids, _ = queued
    answer = claim(client, alice_auth, max_tasks=1, job_types=['test'])
    known = [answer['tasks'][0]['revision']]
    answer = claim(client, alice_auth, job_types=['test'], known_revisions=known)
    assert [task['id'] for task in answer['tasks']] == ids[1:] and answer['revisions'] == {}


def test_results_by_id_settle_both_kinds_and_refuse_the_rest_one_by_one(
        client, alice_auth, queued):
    tasks = claim(client, alice_auth, max_tasks=3)['tasks']
    results = [{'id': task['id'], 'attempt': 1, 'outcome': 'complete'} for task in tasks]
    results += [{'id': tasks[0]['id'], 'attempt': 9, 'outcome': 'complete'},
                {'id': 999, 'attempt': 1, 'outcome': 'nonsense'}]
    resp = post(client, alice_auth, '/farm/v1/results', {'worker_uuid': 'agent-1',
                                                        'results': results})
    assert resp.status_code == 200
    assert sorted(resp.json['accepted']) == sorted(task['id'] for task in tasks)
    assert [(r['id'], r['attempt']) for r in resp.json['refused']] == [(999, 1),
                                                                      (tasks[0]['id'], 9)]
    run = get(client, alice_auth, f"/farm/v1/runs/{tasks[2]['run']}")
    assert (run['done'], run['waiting']) == (1, 1)


def test_all_refused_is_409_and_results_ride_on_the_next_claim(client, alice_auth, queued):
    (task,) = claim(client, alice_auth, max_tasks=1)['tasks']
    stale = {'worker_uuid': 'agent-1', 'results': [{'id': task['id'], 'attempt': 2,
                                                    'outcome': 'complete'}]}
    assert post(client, alice_auth, '/farm/v1/results', stale).status_code == 409
    answer = claim(client, alice_auth, max_tasks=1,
                   results=[{'id': task['id'], 'attempt': 1, 'outcome': 'complete'}])
    assert answer['receipt'] == {'accepted': [task['id']], 'refused': []}


def test_a_heartbeat_by_id_names_the_tasks_to_stop(client, alice_auth, queued):
    _, run_uuid = queued
    tasks = claim(client, alice_auth)['tasks']
    assert post(client, alice_auth, f'/farm/v1/runs/{run_uuid}/cancel').status_code == 200
    held = [[task['id'], task['attempt']] for task in tasks]
    reply = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat', {'held': held}).json
    assert reply['stop'] == held[2:]
    held_now = get(client, alice_auth, '/farm/v1/workers/agent-1/tasks')['tasks']
    assert [(task['run'], task['number'], task['id']) for task in held_now] == [
        (None, None, tasks[0]['id']), (None, None, tasks[1]['id'])]


@pytest.mark.parametrize('body, says', [
    ({'max_tasks': 1}, 'worker_uuid'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 0}, 'max_tasks'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'job_types': 'test'}, 'job_types'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'job_types': []}, 'job_types'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'job_types': [7]}, 'job_types[0]'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'known_revisions': [0]}, 'known_revisions[0]'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'results': [{'number': 1, 'attempt': 1}]},
     'results[0].id'),
    ({'worker_uuid': 'agent-1', 'max_tasks': 1, 'colour': 'red'}, 'colour'),
])
def test_bad_claims_get_400_naming_the_field(client, alice_auth, agent, body, says):
    resp = post(client, alice_auth, '/farm/v1/claim', body)
    assert resp.status_code == 400 and says in resp.json['msg'], resp.text


def test_another_project_cannot_claim_or_report_with_our_agent(client, alice_auth, queued):
    users.add_user('bob', PASSWORD, project='other')
    bob = users.principal_for_password('bob', PASSWORD)
    bob_auth = {'Authorization': 'Bearer ' + users.create_own_token(bob, bob.scope)}
    resp = post(client, bob_auth, '/farm/v1/claim', {'worker_uuid': 'agent-1', 'max_tasks': 1})
    assert resp.status_code == 404
    post(client, bob_auth, '/farm/v1/workers', dict(AGENT, uuid='bob-agent'))
    resp = post(client, bob_auth, '/farm/v1/claim', {'worker_uuid': 'bob-agent', 'max_tasks': 5})
    assert resp.json['tasks'] == []


def test_explain_says_why_a_job_and_a_runs_task_wait(client, alice_auth, queued):
    ids, run_uuid = queued
    why = get(client, alice_auth, f'/farm/v1/tasks/{ids[1]}/explain')
    assert why['reasons'] == ['no live agent serves job type test']  # agent-1 said nothing
    post(client, alice_auth, '/farm/v1/workers', dict(AGENT, uuid='test-only',
                                                       serves={'job_types': ['test']}))
    why = get(client, alice_auth, f'/farm/v1/tasks/{ids[1]}/explain')
    assert why == {'status': 'queued', 'waiting': True, 'reasons': [], 'ahead': 1}
    why = get(client, alice_auth, f'/farm/v1/runs/{run_uuid}/tasks/1/explain')
    assert why['waiting'] and why['reasons'] == []  # agent-1, a stock client, works on runs
    assert client.simulate_get('/farm/v1/tasks/999/explain',
                               headers=alice_auth).status_code == 404


@pytest.mark.parametrize('serves', [
    'render', {'job_types': 'render'}, {'job_types': []}, {'run': 5},
    {'run': 'a' * 32, 'job_types': None}, {'colour': 1}])
def test_what_an_agent_serves_is_checked_when_it_registers(client, alice_auth, database, serves):
    resp = post(client, alice_auth, '/farm/v1/workers', dict(AGENT, serves=serves))
    assert resp.status_code == 400 and 'serves' in resp.json['msg'], resp.text
