"""Workers over /farm/v1: registration, heartbeats, held tasks, leaving, and the list of them."""

import pytest

from coordinator import maintenance
from tests.coordinator.api.farm.conftest import (AGENT, get, make_run, post,
                                                 refused_changing_nothing, work)


def test_registration_tells_the_agent_how_often_to_heartbeat(agent, config):
    assert agent['worker_ttl_s'] == config.worker_ttl_s
    assert agent['heartbeat_s'] == config.worker_ttl_s / 4


def test_a_lost_agent_gets_409_until_it_registers_again(client, alice_auth, run, agent):
    maintenance.reap(worker_ttl_s=60, now=4e9)
    for path, body in (('/farm/v1/workers/agent-1/heartbeat', {}),
                       (f"/farm/v1/runs/{run['uuid']}/claim", {'worker_uuid': 'agent-1',
                                                               'max_tasks': 1})):
        resp = post(client, alice_auth, path, body)
        assert resp.status_code == 409 and 'register again' in resp.json['msg']
    assert post(client, alice_auth, '/farm/v1/workers', AGENT).status_code == 201
    assert post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat',
                {'load': 1.5, 'draining': True}).status_code == 200


def test_an_agent_can_ask_which_tasks_it_holds(client, alice_auth, run, agent):
    post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/claim",
         {'worker_uuid': 'agent-1', 'max_tasks': 2})
    held = client.simulate_get('/farm/v1/workers/agent-1/tasks', headers=alice_auth).json
    assert held == {'tasks': [{'run': run['uuid'], 'number': 0, 'attempt': 1, 'id': 1},
                              {'run': run['uuid'], 'number': 1, 'attempt': 1, 'id': 2}]}


def test_stop_hands_back_held_tasks(client, alice_auth, run, agent):
    post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/claim",
         {'worker_uuid': 'agent-1', 'max_tasks': 2})
    resp = post(client, alice_auth, '/farm/v1/workers/agent-1/stop', {'reason': 'walltime'})
    assert resp.json == {'handed_back': 2}


def test_a_heartbeat_names_no_task_the_agent_still_holds(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2)
    tasks = work(client, alice_auth, run['uuid'], [None, None])
    beat = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat', {
        'run': run['uuid'], 'running': [[t['number'], t['attempt']] for t in tasks]})
    assert beat.status_code == 200 and beat.json['stop'] == []


@pytest.mark.parametrize('body, says', [
    ({'run': 'r' * 32, 'running': [[0]]}, 'running[0] must be a [number, attempt] pair'),
    ({'run': 'r' * 32, 'running': 'all'}, 'running must be a list of at most 1000 [number, '),
    ({'held': [[7, 1, 2]]}, 'held[0] must be a [task id, attempt] pair'),
    ({'held': {}}, 'held must be a list of at most 1000 [task id, attempt] pairs'),
], ids=['running-pair', 'running-list', 'held-pair', 'held-list'])
def test_a_bad_pair_is_named_as_its_list_names_tasks(client, alice_auth, agent, body, says):
    resp = post(client, alice_auth, '/farm/v1/workers/agent-1/heartbeat', body)
    assert resp.status_code == 400 and says in resp.json['msg']


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
    assert listing['workers'][0]['tasks'] == [{'run': run['uuid'], 'number': 0, 'attempt': 1,
                                               'id': 1}]
    assert listing['workers'][1]['reason'] == 'walltime'
    lost = get(client, alice_auth, '/farm/v1/workers', state='lost')
    assert [w['uuid'] for w in lost['workers']] == ['agent-2'] and lost['total'] == 1


def test_a_bad_state_filter_is_refused_with_the_reason(client, alice_auth):
    resp = client.simulate_get('/farm/v1/workers', headers=alice_auth, params={'state': 'dead'})
    assert resp.status_code == 400 and 'query parameter' in resp.json['msg']


BAD = [
    ('worker-no-slots', 'POST', '/farm/v1/workers',
     {k: v for k, v in AGENT.items() if k != 'slots'}, 400),
    ('worker-zero-slots', 'POST', '/farm/v1/workers', {**AGENT, 'slots': 0}, 400),
    ('worker-job-id-number', 'POST', '/farm/v1/workers', {**AGENT, 'slurm_job_id': 12}, 400),
    ('heartbeat-unknown', 'POST', '/farm/v1/workers/nobody/heartbeat', {}, 404),
    ('heartbeat-nul', 'POST', '/farm/v1/workers/a%00b/heartbeat', {}, 400),
    ('heartbeat-draining-string', 'POST', '/farm/v1/workers/agent-1/heartbeat',
     {'draining': 'yes'}, 400),
    ('stop-no-reason', 'POST', '/farm/v1/workers/agent-1/stop', {}, 400),
]


@pytest.mark.parametrize('method, path, body, status', [case[1:] for case in BAD],
                         ids=[case[0] for case in BAD])
def test_bad_worker_requests_get_a_clear_4xx(client, alice_auth, agent, method, path, body,
                                            status):
    resp = client.simulate_request(method, path, json=body, headers=alice_auth)
    assert resp.status_code == status, resp.text
    assert resp.json['msg']


CHANGE_NOTHING = [
    ('GET', '/farm/v1/workers', None, 'nobody', 401),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'running': [[0, 1]]}, 'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': [[0]]}, 'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': [['a', 1]]},
     'alice', 400),
    ('POST', '/farm/v1/workers/agent-1/heartbeat', {'run': '{run}', 'running': 'all'}, 'alice', 400),
]


@pytest.mark.parametrize('method, path, body, who, status', CHANGE_NOTHING)
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, alice_auth, agent, method, path,
                                                          body, who, status):
    refused_changing_nothing(client, alice_auth, method, path, body, who, status)
