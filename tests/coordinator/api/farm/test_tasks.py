"""A run's tasks over /farm/v1: pages that follow a cursor, one task in detail, cancelling one."""

import pytest

from tests.coordinator.api.farm.conftest import get, make_run, post, refused_changing_nothing, work


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


CHANGE_NOTHING = [
    ('GET', '/farm/v1/runs/{unknown}/tasks', None, 'alice', 404),
    ('GET', '/farm/v1/runs/{run}/tasks/99', None, 'alice', 404),
    ('GET', '/farm/v1/runs/{run}/tasks/x', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{run}/tasks/99/cancel', None, 'alice', 404),
    ('POST', '/farm/v1/runs/{run}/tasks/0/cancel', None, 'worker', 403),
    ('GET', '/farm/v1/runs/{run}/tasks', None, 'bob', 404),
]


@pytest.mark.parametrize('method, path, body, who, status', CHANGE_NOTHING)
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, alice_auth, agent, method, path,
                                                          body, who, status):
    refused_changing_nothing(client, alice_auth, method, path, body, who, status)
