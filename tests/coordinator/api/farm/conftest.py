"""The /farm/v1 family over Falcon's test client: an agent, runs, the work it does, bad requests."""

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import PASSWORD, basic

AGENT = {'uuid': 'agent-1', 'hostname': 'node01', 'pid': 4242, 'slots': 8, 'cpus': 8,
         'memory_bytes': 2**34, 'slurm_job_id': '1234', 'walltime_end_at': 2e9}
UNKNOWN = '0' * 32


def post(client, auth, path, body=None):
    return client.simulate_post(path, json=body, headers=auth)


def get(client, auth, path, **params):
    resp = client.simulate_get(path, headers=auth, params=params)
    assert resp.status_code == 200, resp.json
    return resp.json


@pytest.fixture
def agent(client, alice_auth):
    """agent-1, registered by alice: its registration answer."""
    resp = post(client, alice_auth, '/farm/v1/workers', AGENT)
    assert resp.status_code == 201
    return resp.json


@pytest.fixture
def run(client, alice_auth):
    """A run of 5 tasks with a policy of its own."""
    return make_run(client, alice_auth, num_tasks=5, max_tries=2, retry_delay_s=0,
                    task_timeout_s=600, expected_duration_s=30)


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


def refused_changing_nothing(client, alice_auth, method, path, body, who, status):
    """Send a bad request as `who` about a fresh run of alice's; it gets `status` and the run
    is as it was. `{run}` and `{unknown}` in the path, and a body's run '{run}', are filled in."""
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
