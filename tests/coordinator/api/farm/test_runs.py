"""Runs over /farm/v1 as the dashboard and `farm` read them: create, list, rate, cancel, restart."""

import datetime

import pytest

from coordinator.store import users
from tests.conftest import PASSWORD, basic
from tests.coordinator.api.farm.conftest import (AGENT, get, make_run, post,
                                                 refused_changing_nothing, work)


def test_a_run_keeps_its_policy(run):
    assert {k: run[k] for k in ('num_tasks', 'waiting', 'max_tries', 'task_timeout_s',
                                'expected_duration_s')} == {
        'num_tasks': 5, 'waiting': 5, 'max_tries': 2, 'task_timeout_s': 600,
        'expected_duration_s': 30}


def test_a_run_is_created_with_a_name_a_command_and_one_input_per_task(client, alice_auth):
    run = make_run(client, alice_auth, num_tasks=3, name='sweep', command=['echo', '{line}'],
                   inputs=['a b', "it's", '$HOME'])
    assert (run['name'], run['command'], run['has_inputs'], run['num_tasks']) == (
        'sweep', ['echo', '{line}'], True, 3)
    assert (run['state'], run['rate_per_s'], run['eta_s'], run['started_at']) == (
        'waiting', 0.0, None, None)
    assert datetime.datetime.fromisoformat(run['created_at']).tzinfo is not None


def test_a_command_without_placeholders_is_accepted_as_its_tasks_may_read_farm_task(
        client, alice_auth):
    run = make_run(client, alice_auth, num_tasks=2, command=['./job.sh', '--fast'])
    assert run['command'] == ['./job.sh', '--fast']


def test_inputs_alone_say_how_many_tasks_there_are(client, alice_auth):
    resp = post(client, alice_auth, '/farm/v1/runs', {'inputs': ['x', 'y'], 'command': ['sh']})
    assert resp.status_code == 201 and resp.json['num_tasks'] == 2


@pytest.mark.parametrize('body, message', [
    ({'num_tasks': 3, 'inputs': ['a']}, 'num_tasks is 3 but 1 inputs'),
    ({'num_tasks': 2, 'command': ['echo', '{line}']}, 'needs inputs'),
    ({'num_tasks': 2, 'command': []}, 'command must be a list of 1 to'),
    ({'num_tasks': 2, 'command': ['', 'x']}, 'must not be empty'),
    ({'num_tasks': 2, 'command': 'echo hi'}, 'command must be a list'),
    ({'num_tasks': 2, 'command': ['echo', 3]}, 'command[1] must be a non-empty string'),
    ({'num_tasks': 2, 'name': 'x' * 129}, 'name is longer than 128'),
    ({'inputs': 'abc'}, 'inputs must be a list'),
    ({'name': 'no tasks'}, "missing field 'num_tasks'"),
])
def test_a_bad_recipe_is_refused_with_the_reason(client, alice_auth, body, message):
    resp = post(client, alice_auth, '/farm/v1/runs', body)
    assert resp.status_code == 400 and message in resp.json['msg'], resp.json


BAD = [
    ('run-no-count', '/farm/v1/runs', {'max_tries': 2}, 400),
    ('run-zero-tries', '/farm/v1/runs', {'num_tasks': 1, 'max_tries': 0}, 400),
    ('run-null-timeout', '/farm/v1/runs', {'num_tasks': 1, 'task_timeout_s': None}, 400),
    ('run-unknown-key', '/farm/v1/runs', {'num_tasks': 1, 'priority': 3}, 400),
]


@pytest.mark.parametrize('body', [case[1] for case in BAD], ids=[case[0] for case in BAD])
def test_a_bad_run_body_gets_a_clear_400(client, alice_auth, body):
    resp = post(client, alice_auth, '/farm/v1/runs', body)
    assert resp.status_code == 400 and resp.json['msg'], resp.text


def test_the_runs_list_pages_newest_first_and_filters_by_state(client, alice_auth, agent):
    first = make_run(client, alice_auth, num_tasks=1)
    second = make_run(client, alice_auth, num_tasks=2, name='second')
    work(client, alice_auth, first['uuid'], ['complete'])
    listing = get(client, alice_auth, '/farm/v1/runs')
    assert [r['uuid'] for r in listing['runs']] == [second['uuid'], first['uuid']]
    assert listing['total'] == 2
    assert get(client, alice_auth, '/farm/v1/runs', limit=1, offset=1)['runs'][0]['uuid'] == first['uuid']
    finished = get(client, alice_auth, '/farm/v1/runs', state='finished')['runs']
    assert [(r['uuid'], r['state']) for r in finished] == [(first['uuid'], 'finished')]
    assert finished[0]['finished_at'] is not None and finished[0]['rate_per_s'] > 0
    active = get(client, alice_auth, '/farm/v1/runs', state='active')['runs']
    assert [r['uuid'] for r in active] == [second['uuid']]


def test_a_running_run_has_a_rate_and_an_eta(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=10)
    work(client, alice_auth, run['uuid'], ['complete', 'complete', 'failed', None])
    view = get(client, alice_auth, f"/farm/v1/runs/{run['uuid']}")
    assert (view['state'], view['done'], view['failed'], view['running']) == ('running', 2, 0, 1)
    assert view['waiting'] == 7  # the failed task is retried: it waits again
    assert view['rate_per_s'] > 0 and view['eta_s'] == pytest.approx(8 / view['rate_per_s'])


def test_cancelling_a_run_stops_its_work_and_a_restart_brings_it_back(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=5)
    base = f"/farm/v1/runs/{run['uuid']}"
    work(client, alice_auth, run['uuid'], ['complete', None])
    cancelled = post(client, alice_auth, base + '/cancel').json
    assert (cancelled['state'], cancelled['cancelled'], cancelled['done'], cancelled['running'],
            cancelled['waiting']) == ('cancelled', 4, 1, 0, 0)
    assert work(client, alice_auth, run['uuid'], [None]) == []
    restarted = post(client, alice_auth, base + '/restart', {'all': False}).json
    assert (restarted['state'], restarted['waiting'], restarted['done']) == ('running', 4, 1)
    everything = post(client, alice_auth, base + '/restart', {'all': True}).json
    assert (everything['waiting'], everything['done']) == (5, 0)
    assert client.simulate_delete(base, headers=alice_auth).status_code == 204
    assert client.simulate_get(base, headers=alice_auth).status_code == 404


def test_other_projects_see_none_of_it(client, alice_auth, agent):
    make_run(client, alice_auth, num_tasks=2)
    users.add_user('bob', PASSWORD, project='other')
    bob = basic('bob', PASSWORD)
    assert get(client, bob, '/farm/v1/runs')['total'] == 0
    assert get(client, bob, '/farm/v1/workers')['total'] == 0
    assert get(client, bob, '/farm/v1/overview')['tasks']['waiting'] == 0


@pytest.mark.parametrize('path, params', [
    ('/farm/v1/runs', {'state': 'done'}), ('/farm/v1/runs', {'limit': '0'}),
    ('/farm/v1/runs', {'offset': 'x'}),
])
def test_bad_query_parameters_are_refused_with_the_reason(client, alice_auth, path, params):
    resp = client.simulate_get(path, headers=alice_auth, params=params)
    assert resp.status_code == 400 and 'query parameter' in resp.json['msg']


CHANGE_NOTHING = [
    ('POST', '/farm/v1/runs/{unknown}/cancel', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{run}/restart', {'all': 'yes'}, 'alice', 400),
    ('POST', '/farm/v1/runs/{run}/restart', {'everything': True}, 'alice', 400),
    ('POST', '/farm/v1/runs/{run}/cancel', None, 'worker', 403),
    ('POST', '/farm/v1/runs/{run}/restart', {}, 'worker', 403),
    ('DELETE', '/farm/v1/runs/{run}', None, 'worker', 403),
    ('POST', '/farm/v1/runs', {'num_tasks': 2}, 'worker', 403),
    ('POST', '/farm/v1/runs/{run}/cancel', None, 'bob', 404),
    ('GET', '/farm/v1/runs', None, 'nobody', 401),
]


@pytest.mark.parametrize('method, path, body, who, status', CHANGE_NOTHING)
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, alice_auth, agent, method, path,
                                                          body, who, status):
    refused_changing_nothing(client, alice_auth, method, path, body, who, status)


def test_a_run_body_may_be_large_but_not_larger_than_its_limit(client, alice_auth, config):
    lines = ['x' * 1000] * (config.max_body_bytes // 1000 + 10)  # over the general limit
    assert post(client, alice_auth, '/farm/v1/runs', {'inputs': lines}).status_code == 201
    huge = 'x' * (config.max_run_body_bytes + 1)
    assert post(client, alice_auth, '/farm/v1/runs', {'inputs': [huge]}).status_code == 413


def test_a_run_says_how_many_workers_run_it_and_when_their_walltime_ends(client, alice_auth):
    slurm_agent = dict(AGENT, uuid='agent-9', slurm_job_id='77', walltime_end_at=4e9)
    assert post(client, alice_auth, '/farm/v1/workers', slurm_agent).status_code == 201
    run = make_run(client, alice_auth, num_tasks=4)
    base = f"/farm/v1/runs/{run['uuid']}"
    assert (run['workers'], run['walltime_left_s']) == (0, None)
    post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-9', 'max_tasks': 2})
    view = get(client, alice_auth, base)
    assert view['workers'] == 1 and 0 < view['walltime_left_s'] <= 4e9
    listed = get(client, alice_auth, '/farm/v1/runs')['runs'][0]
    assert (listed['workers'], listed['walltime_left_s'] > 0) == (1, True)
