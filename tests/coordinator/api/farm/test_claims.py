"""Claims and results over /farm/v1: batched claims, fenced results, bad results refused alone."""

import json

import pytest

from tests.coordinator.api.farm.conftest import make_run, post, work


def test_claim_then_report_a_batch(client, alice_auth, run, agent):
    base = f"/farm/v1/runs/{run['uuid']}"
    claimed = post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1', 'max_tasks': 3})
    assert claimed.status_code == 200
    assert [(t['number'], t['attempt']) for t in claimed.json['tasks']] == [(0, 1), (1, 1), (2, 1)]
    assert claimed.json['run']['running'] == 3
    receipt = post(client, alice_auth, base + '/results', {'worker_uuid': 'agent-1', 'results': [
        {'number': 0, 'attempt': 1, 'outcome': 'complete', 'exit_code': 0, 'log_tail': 'done\n'},
        {'number': 1, 'attempt': 1, 'outcome': 'running', 'percent': 50},
        {'number': 2, 'attempt': 9, 'outcome': 'complete', 'exit_code': 0}]})
    assert receipt.status_code == 200
    assert receipt.json['accepted'] == [0, 1]
    assert receipt.json['refused'] == [{'number': 2, 'attempt': 9,
                                        'reason': 'attempt 9 is stale: the task is at attempt 1'}]
    status = client.simulate_get(base, headers=alice_auth).json
    assert (status['done'], status['running'], status['percent_done']) == (1, 2, 30.0)


def test_a_batch_of_only_stale_results_is_a_409(client, alice_auth, run, agent):
    base = f"/farm/v1/runs/{run['uuid']}"
    post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1', 'max_tasks': 1})
    resp = post(client, alice_auth, base + '/results', {'worker_uuid': 'agent-1', 'results': [
        {'number': 0, 'attempt': 2, 'outcome': 'complete'}]})
    assert resp.status_code == 409 and resp.json['accepted'] == []


RESULT = {'number': 0, 'attempt': 1, 'outcome': 'complete'}
BAD = [
    ('claim-zero', '/farm/v1/runs/{run}/claim', {'worker_uuid': 'agent-1', 'max_tasks': 0}, 400),
    ('claim-too-many', '/farm/v1/runs/{run}/claim', {'worker_uuid': 'agent-1', 'max_tasks': 1001}, 400),
    ('claim-unknown-worker', '/farm/v1/runs/{run}/claim', {'worker_uuid': 'x', 'max_tasks': 1}, 404),
    ('claim-unknown-run', '/farm/v1/runs/' + '0' * 32 + '/claim',
     {'worker_uuid': 'agent-1', 'max_tasks': 1}, 404),
    ('results-empty', '/farm/v1/runs/{run}/results', {'worker_uuid': 'agent-1', 'results': []}, 400),
    ('results-not-list', '/farm/v1/runs/{run}/results', {'worker_uuid': 'agent-1', 'results': {}}, 400),
    ('results-attempt-zero', '/farm/v1/runs/{run}/results',
     {'worker_uuid': 'agent-1', 'results': [{**RESULT, 'attempt': 0}]}, 400),
    ('results-item-not-object', '/farm/v1/runs/{run}/results',
     {'worker_uuid': 'agent-1', 'results': [3]}, 400),
    ('results-number-missing', '/farm/v1/runs/{run}/results',
     {'worker_uuid': 'agent-1', 'results': [{'attempt': 1, 'outcome': 'complete'}]}, 400),
    ('results-number-text', '/farm/v1/runs/{run}/results',
     {'worker_uuid': 'agent-1', 'results': [{**RESULT, 'number': '0'}]}, 400),
]


@pytest.mark.parametrize('path, body, status', [case[1:] for case in BAD], ids=[c[0] for c in BAD])
def test_bad_claims_and_results_get_a_clear_4xx(client, alice_auth, run, agent, path, body, status):
    resp = client.simulate_post(path.format(run=run['uuid']), body=json.dumps(body),
                                headers=alice_auth)
    assert resp.status_code == status, resp.text
    assert resp.json['msg']


def test_a_claim_carries_results_applied_before_it_and_answers_for_them(
        client, alice_auth, run, agent):
    base = f"/farm/v1/runs/{run['uuid']}"
    first = post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1', 'max_tasks': 5})
    assert len(first.json['tasks']) == 5
    both = post(client, alice_auth, base + '/claim', {
        'worker_uuid': 'agent-1', 'max_tasks': 2, 'results': [
            {'number': 0, 'attempt': 1, 'outcome': 'complete', 'exit_code': 0},
            {'number': 1, 'attempt': 1, 'outcome': 'failed', 'exit_code': 2},
            {'number': 2, 'attempt': 7, 'outcome': 'complete'}]})
    assert both.status_code == 200, both.json
    assert both.json['receipt']['accepted'] == [0, 1]
    assert [r['number'] for r in both.json['receipt']['refused']] == [2]
    # task 1 failed with tries left: it is queued again and this very claim takes it back
    assert [(t['number'], t['attempt']) for t in both.json['tasks']] == [(1, 2)]
    assert (both.json['run']['done'], both.json['run']['running']) == (1, 4)


def test_a_claim_carrying_results_is_one_heartbeat_and_leaves_the_worker_state_right(
        client, alice_auth, run, agent):
    from coordinator.models import Worker

    base = f"/farm/v1/runs/{run['uuid']}"
    tasks = post(client, alice_auth, base + '/claim',
                 {'worker_uuid': 'agent-1', 'max_tasks': 5}).json['tasks']
    Worker.update(last_heartbeat_at=0).where(Worker.uuid == 'agent-1').execute()
    done = [{'number': t['number'], 'attempt': 1, 'outcome': 'complete', 'exit_code': 0}
            for t in tasks]
    last = post(client, alice_auth, base + '/claim',
                {'worker_uuid': 'agent-1', 'max_tasks': 5, 'results': done})
    assert last.status_code == 200 and last.json['tasks'] == [], last.json
    assert len(last.json['receipt']['accepted']) == 5
    worker = Worker.get(Worker.uuid == 'agent-1')
    assert worker.last_heartbeat_at > 0, 'the claim counted as a heartbeat'
    assert worker.state == 'idle', 'it holds nothing after its results were applied'


@pytest.mark.parametrize('results', [[], 'all', [{'number': 0}], [3]])
def test_a_claim_with_malformed_results_is_refused_whole(client, alice_auth, run, agent, results):
    base = f"/farm/v1/runs/{run['uuid']}"
    resp = post(client, alice_auth, base + '/claim',
                {'worker_uuid': 'agent-1', 'max_tasks': 1, 'results': results})
    assert resp.status_code == 400 and 'results' in resp.json['msg']
    assert client.simulate_get(base, headers=alice_auth).json['running'] == 0


# Each breaks one field of a result whose number and attempt are usable; the reason names it.
BAD_RESULTS = {
    'log-tail-nul': ({'outcome': 'complete', 'log_tail': 'a\x00b'}, 'log_tail contains a NUL'),
    'msg-too-long': ({'outcome': 'failed', 'msg': 'x' * 4097}, 'msg is longer than 4096'),
    'msg-not-text': ({'outcome': 'running', 'msg': 7}, 'msg must be a non-empty string'),
    'percent-too-big': ({'outcome': 'running', 'percent': 150}, 'percent must be between'),
    'outcome-unknown': ({'outcome': 'done'}, "outcome must be one of running, complete"),
    'outcome-missing': ({}, "missing field 'outcome'"),
    'exit-code-float': ({'outcome': 'failed', 'exit_code': 1.5}, 'exit_code must be an integer'),
    'key-unknown': ({'outcome': 'complete', 'colour': 'red'}, 'unknown field(s) colour'),
}


@pytest.mark.parametrize('bad, reason', BAD_RESULTS.values(), ids=BAD_RESULTS.keys())
@pytest.mark.parametrize('path', ['results', 'claim'])
def test_a_bad_result_is_refused_alone_and_its_batch_mates_are_applied(
        client, alice_auth, run, agent, path, bad, reason):
    base = f"/farm/v1/runs/{run['uuid']}"
    post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1', 'max_tasks': 3})
    body = {'worker_uuid': 'agent-1', 'results': [
        {'number': 0, 'attempt': 1, 'outcome': 'complete', 'exit_code': 0},
        {'number': 1, 'attempt': 1, **bad},
        {'number': 2, 'attempt': 1, 'outcome': 'running', 'percent': 50, 'msg': 'half'}]}
    if path == 'claim':
        body['max_tasks'] = 1
    resp = client.simulate_post(f'{base}/{path}', body=json.dumps(body), headers=alice_auth)
    assert resp.status_code == 200, resp.text
    receipt = resp.json['receipt'] if path == 'claim' else resp.json
    assert receipt['accepted'] == [0, 2]
    [refusal] = receipt['refused']
    assert (refusal['number'], refusal['attempt']) == (1, 1)
    assert refusal['reason'].startswith(reason), refusal
    task = client.simulate_get(base + '/tasks/1', headers=alice_auth).json
    assert (task['status'], task['percent'], task['msg'], task['log_tail']) == (
        'running', 0, None, None), 'the refused result changed nothing'
    assert client.simulate_get(base + '/tasks/2', headers=alice_auth).json['msg'] == 'half'
    assert client.simulate_get(base, headers=alice_auth).json['done'] == 1


def test_a_batch_of_only_bad_results_is_a_409_naming_each(client, alice_auth, run, agent):
    base = f"/farm/v1/runs/{run['uuid']}"
    post(client, alice_auth, base + '/claim', {'worker_uuid': 'agent-1', 'max_tasks': 2})
    resp = client.simulate_post(base + '/results', headers=alice_auth, body=json.dumps({
        'worker_uuid': 'agent-1', 'results': [
            {'number': 0, 'attempt': 1, 'outcome': 'done'},
            {'number': 1, 'attempt': 1, 'outcome': 'running', 'msg': 'a\x00b'}]}))
    assert resp.status_code == 409, resp.text
    assert resp.json['accepted'] == []
    assert [(r['number'], r['reason'].split()[0]) for r in resp.json['refused']] == [
        (0, 'outcome'), (1, 'msg')]


def test_an_unknown_field_beside_the_results_is_refused_like_everywhere_else(
        client, alice_auth, run, agent):
    resp = post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/results", {
        'worker_uuid': 'agent-1', 'results': [{'number': 0, 'attempt': 1, 'outcome': 'running'}],
        'colour': 'blue'})
    assert resp.status_code == 400 and resp.json['msg'].startswith('unknown field(s) colour')


def test_claims_carry_each_tasks_input(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=2, command=['echo', '{line}'],
                   inputs=['first line', 'second "quoted" $line'])
    tasks = work(client, alice_auth, run['uuid'], [None, None])
    assert [t['input'] for t in tasks] == ['first line', 'second "quoted" $line']
