"""Runs, tasks, workers and the overview over /farm/v1/ as the dashboard and `farm` read them."""

import datetime

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import PASSWORD, basic

AGENT = {'uuid': 'agent-1', 'hostname': 'node01', 'pid': 4242, 'slots': 4}


def post(client, auth, path, body=None):
    return client.simulate_post(path, json=body, headers=auth)


def get(client, auth, path, **params):
    resp = client.simulate_get(path, headers=auth, params=params)
    assert resp.status_code == 200, resp.json
    return resp.json


@pytest.fixture
def agent(client, alice_auth):
    assert post(client, alice_auth, '/farm/v1/workers', AGENT).status_code == 201
    return AGENT['uuid']


def make_run(client, auth, **body):
    resp = post(client, auth, '/farm/v1/runs', {'num_tasks': 6, **body})
    assert resp.status_code == 201, resp.json
    return resp.json


def work(client, auth, run_uuid, outcomes):
    """Claim len(outcomes) tasks as agent-1 and report them: 'complete', 'failed' or None (keep)."""
    base = f'/farm/v1/runs/{run_uuid}'
    tasks = post(client, auth, base + '/claim', {'worker_uuid': 'agent-1',
                                                 'max_tasks': len(outcomes)}).json['tasks']
    results = [{'number': t['number'], 'attempt': t['attempt'], 'outcome': outcome,
                'exit_code': 0 if outcome == 'complete' else 3}
               for t, outcome in zip(tasks, outcomes) if outcome]
    if results:
        assert post(client, auth, base + '/results', {'worker_uuid': 'agent-1',
                                                      'results': results}).status_code == 200
    return tasks


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


def test_claims_carry_each_tasks_input(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2, command=['echo', '{line}'],
                   inputs=['first line', 'second "quoted" $line'])
    tasks = work(client, alice_auth, run['uuid'], [None, None])
    assert [t['input'] for t in tasks] == ['first line', 'second "quoted" $line']


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


def test_task_pages_list_untouched_tasks_as_waiting_and_follow_the_cursor(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=7, command=['x', '{line}'],
                   inputs=[f'line {n}' for n in range(7)])
    work(client, alice_auth, run['uuid'], ['complete', None])
    path = f"/farm/v1/runs/{run['uuid']}/tasks"
    page = get(client, alice_auth, path, limit=3)
    assert [(t['number'], t['status'], t['attempt']) for t in page['tasks']] == [
        (0, 'done', 1), (1, 'running', 1), (2, 'waiting', 0)]
    assert page['tasks'][1]['hostname'] == 'node01' and page['tasks'][2]['input'] == 'line 2'
    numbers, after = [], -1
    while after is not None:
        page = get(client, alice_auth, path, limit=3, after=after)
        numbers += [t['number'] for t in page['tasks']]
        after = page['next_after']
    assert numbers == list(range(7))
    waiting = get(client, alice_auth, path, status='waiting', limit=100)['tasks']
    assert [t['number'] for t in waiting] == [2, 3, 4, 5, 6]
    assert [t['number'] for t in get(client, alice_auth, path, status='done')['tasks']] == [0]


def test_a_task_reads_with_its_log_tail_and_exit_code(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2, max_tries=1)
    task = work(client, alice_auth, run['uuid'], [None])[0]
    post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/results", {
        'worker_uuid': 'agent-1', 'results': [{'number': 0, 'attempt': task['attempt'],
                                               'outcome': 'failed', 'exit_code': 7,
                                               'log_tail': 'boom\n'}]})
    detail = get(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/tasks/0")
    assert (detail['status'], detail['exit_code'], detail['log_tail']) == ('failed', 7, 'boom\n')
    assert detail['error_category'] == 'ALGORITHM' and detail['duration_s'] >= 0
    untouched = get(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/tasks/1")
    assert (untouched['status'], untouched['attempt'], untouched['log_tail']) == ('waiting', 0, None)
    missing = client.simulate_get(f"/farm/v1/runs/{run['uuid']}/tasks/2", headers=alice_auth)
    assert missing.status_code == 404 and 'out of range' in missing.json['msg']


def test_a_cancelled_task_is_never_handed_out_and_its_agent_is_told_to_stop(
        client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=3)
    base = f"/farm/v1/runs/{run['uuid']}"
    held = work(client, alice_auth, run['uuid'], [None])[0]
    assert post(client, alice_auth, base + '/tasks/0/cancel').json['status'] == 'cancelled'
    assert post(client, alice_auth, base + '/tasks/2/cancel').json['status'] == 'cancelled'
    beat = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat',
                {'run': run['uuid'], 'running': [[0, held['attempt']]]})
    assert beat.json['stop'] == [[0, held['attempt']]]
    claimed = work(client, alice_auth, run['uuid'], [None, None])
    assert [t['number'] for t in claimed] == [1]
    again = post(client, alice_auth, base + '/tasks/0/cancel')
    assert again.status_code == 409 and 'already finished' in again.json['msg']
    view = get(client, alice_auth, base)
    assert (view['cancelled'], view['running'], view['waiting']) == (2, 1, 0)


def test_a_heartbeat_names_no_task_the_agent_still_holds(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2)
    tasks = work(client, alice_auth, run['uuid'], [None, None])
    beat = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat', {
        'run': run['uuid'], 'running': [[t['number'], t['attempt']] for t in tasks]})
    assert beat.status_code == 200 and beat.json['stop'] == []


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


def test_a_workers_load_shows_from_its_registration_on(client, alice_auth):
    assert post(client, alice_auth, '/farm/v1/workers', dict(AGENT, load=1.5)).status_code == 201
    assert get(client, alice_auth, '/farm/v1/workers')['workers'][0]['load'] == 1.5


def test_the_workers_list_shows_resources_state_and_current_tasks(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2)
    work(client, alice_auth, run['uuid'], [None])
    post(client, alice_auth, '/farm/v1/workers', dict(AGENT, uuid='agent-2'))
    post(client, alice_auth, '/farm/v1/workers/agent-2/stop', {'reason': 'walltime'})
    listing = get(client, alice_auth, '/farm/v1/workers')
    assert [(w['uuid'], w['state']) for w in listing['workers']] == [('agent-1', 'busy'),
                                                                     ('agent-2', 'stopped')]
    assert listing['workers'][0]['tasks'] == [{'run': run['uuid'], 'number': 0, 'attempt': 1}]
    assert listing['workers'][1]['reason'] == 'walltime'
    lost = get(client, alice_auth, '/farm/v1/workers', state='lost')
    assert [w['uuid'] for w in lost['workers']] == ['agent-2'] and lost['total'] == 1


def test_the_overview_sums_runs_workers_and_recent_throughput(client, alice_auth, agent):
    first = make_run(client, alice_auth, num_tasks=4, name='first')
    make_run(client, alice_auth, num_tasks=2)
    work(client, alice_auth, first['uuid'], ['complete', 'complete', None])
    view = get(client, alice_auth, '/farm/v1/overview')
    assert view['tasks'] == {'waiting': 3, 'running': 1, 'done': 2, 'failed': 0, 'cancelled': 0}
    assert view['runs'] == {'active': 2, 'finished': 0, 'total': 2}
    assert view['workers']['busy'] == 1
    assert len(view['done_per_minute']) == 30 and view['done_per_minute'][-1] == 2
    assert view['rate_per_s'] > 0 and view['failed_last_hour'] == 0
    assert view['oldest_waiting']['run'] == first['uuid']


def test_other_projects_see_none_of_it(client, alice_auth, agent):
    make_run(client, alice_auth, num_tasks=2)
    users.add_user('bob', PASSWORD, project='other')
    bob = basic('bob', PASSWORD)
    assert get(client, bob, '/farm/v1/runs')['total'] == 0
    assert get(client, bob, '/farm/v1/workers')['total'] == 0
    assert get(client, bob, '/farm/v1/overview')['tasks']['waiting'] == 0


@pytest.mark.parametrize('path, params', [
    ('/farm/v1/runs', {'state': 'done'}), ('/farm/v1/runs', {'limit': '0'}),
    ('/farm/v1/runs', {'offset': 'x'}), ('/farm/v1/workers', {'state': 'dead'}),
])
def test_bad_query_parameters_are_refused_with_the_reason(client, alice_auth, path, params):
    resp = client.simulate_get(path, headers=alice_auth, params=params)
    assert resp.status_code == 400 and 'query parameter' in resp.json['msg']


def test_a_user_mints_a_lasting_token_and_a_worker_token_cannot(client, alice_auth):
    minted = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'user'})
    assert minted.status_code == 201 and minted.json['token'].startswith('farm_')
    bearer = {'Authorization': f"Bearer {minted.json['token']}"}
    assert get(client, bearer, '/farm/v1/runs')['total'] == 0
    worker = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'worker'}).json['token']
    refused = post(client, {'Authorization': f'Bearer {worker}'}, '/farm/v1/tokens', {})
    assert refused.status_code == 403
    admin = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'admin'})
    assert admin.status_code == 403 and 'admin' in admin.json['msg']


UNKNOWN = '0' * 32


@pytest.mark.parametrize('method, path, body, who, status', [
    ('GET', '/farm/v1/runs/{unknown}/tasks', None, 'alice', 404),
    ('GET', '/farm/v1/runs/{run}/tasks/99', None, 'alice', 404),
    ('GET', '/farm/v1/runs/{run}/tasks/x', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{run}/tasks/99/cancel', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{unknown}/cancel', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{run}/restart', {'all': 'yes'}, 'alice', 400),
    ('POST', '/farm/v1/runs/{run}/restart', {'everything': True}, 'alice', 400),
    ('POST', '/farm/v1/runs/{run}/cancel', None, 'worker', 403),
    ('POST', '/farm/v1/runs/{run}/restart', {}, 'worker', 403),
    ('POST', '/farm/v1/runs/{run}/tasks/0/cancel', None, 'worker', 403),
    ('DELETE', '/farm/v1/runs/{run}', None, 'worker', 403),
    ('POST', '/farm/v1/runs', {'num_tasks': 2}, 'worker', 403),
    ('GET', '/farm/v1/runs/{run}/tasks', None, 'bob', 404),
    ('POST', '/farm/v1/runs/{run}/cancel', None, 'bob', 404),
    ('GET', '/farm/v1/runs', None, 'nobody', 401),
    ('GET', '/farm/v1/overview', None, 'nobody', 401),
    ('GET', '/farm/v1/workers', None, 'nobody', 401),
    ('POST', '/farm/v1/tokens', {'scope': 'root'}, 'alice', 400),
    ('POST', '/farm/v1/tokens', {'run': UNKNOWN}, 'alice', 404),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'running': [[0, 1]]}, 'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': [[0]]}, 'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': [['a', 1]]},
     'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': 'all'}, 'alice', 400),
])
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, alice_auth, agent, method, path,
                                                          body, who, status):
    run = make_run(client, alice_auth, num_tasks=3)['uuid']
    users.add_user('bob', PASSWORD, project='other')
    headers = {'alice': alice_auth, 'bob': basic('bob', PASSWORD), 'nobody': {},
               'worker': basic(users.create_token('alice', Scope.WORKER))}[who]
    path = path.format(run=run, unknown=UNKNOWN)
    if body is not None and body.get('run') == '{run}':
        body = dict(body, run=run)
    before = get(client, alice_auth, f'/farm/v1/runs/{run}')
    resp = client.simulate_request(method, path, json=body, headers=headers)
    assert resp.status_code == status and resp.json['msg'], resp.text
    after = get(client, alice_auth, f'/farm/v1/runs/{run}')
    assert {k: after[k] for k in ('waiting', 'cancelled', 'state')} == {
        k: before[k] for k in ('waiting', 'cancelled', 'state')}


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
