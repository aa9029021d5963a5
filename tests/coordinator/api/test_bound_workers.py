"""A token bound to one run sees and acts for its own run's agents only, over /farm/v1 and /api."""

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic


def agent(uuid: str) -> dict:
    return {'uuid': uuid, 'hostname': f'node-{uuid}', 'pid': 7, 'slots': 2}


@pytest.fixture
def farm(client, alice, alice_auth):
    """Runs a and b of alice, each with an agent registered by a worker token bound to it.

    agent-b holds two tasks of run b; agent-u was registered by alice's unbound token.
    """
    runs = {name: client.simulate_post('/farm/v1/runs', json={'num_tasks': 4},
                                       headers=alice_auth).json['uuid'] for name in 'ab'}
    bound = {name: basic(users.create_token(alice, Scope.WORKER, run_uuid))
             for name, run_uuid in runs.items()}
    for name in 'ab':
        resp = client.simulate_post('/farm/v1/workers', json=agent(f'agent-{name}'),
                                    headers=bound[name])
        assert resp.status_code == 201
    assert client.simulate_post('/farm/v1/workers', json=agent('agent-u'),
                                headers=alice_auth).status_code == 201
    claim = client.simulate_post(f"/farm/v1/runs/{runs['b']}/claim", headers=bound['b'],
                                 json={'worker_uuid': 'agent-b', 'max_tasks': 2})
    assert len(claim.json['tasks']) == 2
    return runs, bound


def listed(client, auth) -> dict:
    return {w['uuid']: w for w in client.simulate_get('/farm/v1/workers', headers=auth,
                                                      params={'state': 'all'}).json['workers']}


def test_a_bound_token_lists_no_workers_and_its_user_lists_them_all(client, alice_auth, farm):
    _, bound = farm
    for path in ('/farm/v1/workers', '/farm/v1/overview'):  # a person's views, not an agent's
        assert client.simulate_get(path, headers=bound['a']).status_code == 403
    assert sorted(listed(client, alice_auth)) == ['agent-a', 'agent-b', 'agent-u']


@pytest.mark.parametrize('method, path, body', [
    ('GET', '/farm/v1/workers/agent-b/tasks', None),
    ('POST', '/farm/v1/workers/agent-b/heartbeat', {'load': 9.0}),
    ('POST', '/farm/v1/workers/agent-b/stop', {'reason': 'not yours'}),
    ('POST', '/farm/v1/workers', agent('agent-b') | {'hostname': 'impostor', 'pid': 666}),
    ('POST', '/api/worker', {'uuid': 'agent-b', 'hostname': 'impostor', 'pid': 666}),
    ('POST', '/farm/v1/runs/{a}/claim', {'worker_uuid': 'agent-b', 'max_tasks': 1}),
    ('POST', '/api/runs/{a}/task', {'worker_uuid': 'agent-b'}),
    ('POST', '/farm/v1/workers/agent-u/heartbeat', {}),
], ids=['tasks', 'heartbeat', 'stop', 'register', 'register-taskfarm', 'claim', 'claim-taskfarm',
        'unbound-agent'])
def test_another_runs_agent_is_unknown_to_a_bound_token_and_left_alone(
        client, alice_auth, farm, method, path, body):
    runs, bound = farm
    before = listed(client, alice_auth)
    resp = client.simulate_request(method, path.format(**runs), json=body, headers=bound['a'])
    assert resp.status_code == 404 and resp.json['msg']
    assert listed(client, alice_auth) == before


def test_a_bound_token_acts_for_its_own_agent(client, farm):
    runs, bound = farm
    heartbeat = client.simulate_post('/farm/v1/workers/agent-a/heartbeat', headers=bound['a'],
                                     json={'load': 1.0})
    claim = client.simulate_post(f"/farm/v1/runs/{runs['a']}/claim", headers=bound['a'],
                                 json={'worker_uuid': 'agent-a', 'max_tasks': 1})
    again = client.simulate_post('/farm/v1/workers', json=agent('agent-a'), headers=bound['a'])
    assert (heartbeat.status_code, claim.status_code, again.status_code) == (200, 200, 201)
