"""IronWorker tasks over /2/projects/{id}/tasks: queued, listed, read, logged, cancelled,
given progress, retried, queued from a webhook; refused with {"msg"} when malformed."""

import datetime
import json

import pytest

from coordinator.api.ironworker import ids
from coordinator.models import JobType, Task
from coordinator.states import TaskState
from coordinator.store import iron_tasks, reports, serve, workers
from coordinator.store.access import Scope
from coordinator.store import users
from tests.coordinator.api.ironworker.conftest import call, upload_hello

PYTHON_ITEM = {'name': 'hello', 'code_name': 'hello', 'payload': '{"x": 1}', 'priority': 0,
               'delay': 0, 'label': None, 'cluster': None, 'sync': False, 'timeout': 600}


def queue(client, auth, base, *items, status=200):
    return call(client, auth, 'POST', f'{base}/tasks', status, json={'tasks': list(items)})


def queued_ids(client, auth, base, *items) -> list[str]:
    return [task['id'] for task in queue(client, auth, base, *items)['tasks']]


def get(client, auth, base, task_id, status=200):
    return call(client, auth, 'GET', f'{base}/tasks/{task_id}', status)


def rfc3339(text: str) -> datetime.datetime:
    assert text.endswith('Z')
    return datetime.datetime.fromisoformat(text)


def test_the_python_clients_queue_request_queues_tasks_in_order(client, auth, base, project):
    code = upload_hello(client, auth, base)
    answer = queue(client, auth, base, PYTHON_ITEM, {**PYTHON_ITEM, 'payload': '{"x": 2}'})
    assert answer['msg'] == 'Queued up'
    first, second = (item['id'] for item in answer['tasks'])
    assert len(first) == 24 and ids.decode(ids.Kind.TASK, second) > ids.decode(ids.Kind.TASK,
                                                                                first)
    task = get(client, auth, base, first)
    assert {key: task[key] for key in ('id', 'project_id', 'code_id', 'code_name', 'code_rev',
                                       'code_history_id', 'status', 'payload', 'priority',
                                       'timeout', 'percent')} == {
        'id': first, 'project_id': project, 'code_id': code['id'], 'code_name': 'hello',
        'code_rev': '1', 'code_history_id': code['latest_history_id'], 'status': 'queued',
        'payload': '{"x": 1}', 'priority': 0, 'timeout': 600, 'percent': 0}
    assert rfc3339(task['created_at']) == rfc3339(task['updated_at'])
    assert 'label' not in task and 'start_time' not in task
    assert get(client, auth, base, second)['payload'] == '{"x": 2}'


def test_priority_minus_three_and_timeout_zero_take_the_codes_default_and_maximum(
        client, auth, base):
    upload_hello(client, auth, base, default_priority=2)
    ironcli = {'code_name': 'hello', 'payload': '{}', 'priority': -3, 'timeout': 0,
               'delay': 0, 'cluster': '', 'label': ''}
    (task_id,) = queued_ids(client, auth, base, ironcli)
    task = get(client, auth, base, task_id)
    assert (task['priority'], task['timeout']) == (2, iron_tasks.MAX_TIMEOUT_S)
    upload_hello(client, auth, base, timeout=120)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    assert get(client, auth, base, task_id)['timeout'] == 120


def test_float_timeouts_and_delays_and_labels_are_taken(client, auth, base):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello', 'payload': 'p',
                                                 'timeout': 90.5, 'delay': 30.25,
                                                 'label': 'nightly'})
    row = Task.get_by_id(ids.decode(ids.Kind.TASK, task_id))
    assert (row.timeout_s, row.available_at - row.created_at, row.label) == (
        91, pytest.approx(30.25), 'nightly')
    assert get(client, auth, base, task_id)['label'] == 'nightly'


def test_retries_and_their_delay_come_from_the_code_package(client, auth, base):
    upload_hello(client, auth, base, retries=2, retries_delay=5)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    row = Task.get_by_id(ids.decode(ids.Kind.TASK, task_id))
    assert (row.max_tries, row.retry_delay_s) == (3, 5.0)


def test_a_payload_over_64_kb_is_413_and_queues_nothing(client, auth, base):
    upload_hello(client, auth, base)
    body = queue(client, auth, base, {'code_name': 'hello', 'payload': 'x' * 65537},
                 status=413)
    assert 'payload' in body['msg']
    assert Task.select().count() == 0


@pytest.mark.parametrize('tasks, says', [
    (None, 'tasks'), ([], 'tasks'), (['x'], 'tasks[0]'), ([{}], 'code_name'),
    ([{'code_name': 'hello', 'payload': {'x': 1}}], 'payload'),
    ([{'code_name': 'hello', 'priority': 3}], 'priority'),
    ([{'code_name': 'hello', 'priority': '1'}], 'priority'),
    ([{'code_name': 'hello', 'timeout': -1}], 'timeout'),
    ([{'code_name': 'hello', 'timeout': 10**9}], 'timeout'),
    ([{'code_name': 'hello', 'delay': 'soon'}], 'delay'),
    ([{'code_name': 'hello', 'label': 5}], 'label'),
    ([{'code_name': 'hello'}, {'code_name': 'hello', 'priority': 9}], 'tasks[1].priority'),
])
def test_a_malformed_queue_request_is_400_with_a_msg_and_queues_nothing(client, auth, base,
                                                                         tasks, says):
    upload_hello(client, auth, base)
    body = call(client, auth, 'POST', f'{base}/tasks', 400, json={'tasks': tasks})
    assert says in body['msg']
    assert Task.select().count() == 0


def test_an_unknown_or_deleted_code_package_queues_nothing(client, auth, base):
    code = upload_hello(client, auth, base)
    body = queue(client, auth, base, {'code_name': 'hello'}, {'code_name': 'nope'}, status=404)
    assert 'nope' in body['msg'] and Task.select().count() == 0
    call(client, auth, 'DELETE', f'{base}/codes/{code["id"]}')
    queue(client, auth, base, {'code_name': 'hello'}, status=404)


def test_a_hundred_tasks_of_two_codes_are_queued_in_one_request(client, auth, base):
    upload_hello(client, auth, base)
    upload_hello(client, auth, base, name='other')
    items = [{'code_name': 'hello' if n % 2 else 'other', 'payload': str(n)} for n in range(100)]
    new = queued_ids(client, auth, base, *items)
    assert [get(client, auth, base, task_id)['payload'] for task_id in new[:4]] == [
        '0', '1', '2', '3']
    assert [get(client, auth, base, task_id)['code_name'] for task_id in new[:2]] == [
        'other', 'hello']
    assert Task.select().count() == 100


def listed(client, auth, base, query=''):
    return [task['id'] for task in
            call(client, auth, 'GET', f'{base}/tasks{query}')['tasks']]


def test_lists_filter_by_status_code_name_label_and_time_and_page_newest_first(
        client, auth, base, alice):
    upload_hello(client, auth, base)
    upload_hello(client, auth, base, name='other')
    a, b = queued_ids(client, auth, base, {'code_name': 'hello', 'label': 'red'},
                      {'code_name': 'hello'})
    (c,) = queued_ids(client, auth, base, {'code_name': 'other'})
    call(client, auth, 'POST', f'{base}/tasks/{b}/cancel', body=b'')
    assert listed(client, auth, base) == [c, b, a]
    assert listed(client, auth, base, '?per_page=1&page=1') == [b]
    assert listed(client, auth, base, '?cancelled=1') == [b]
    # a status key counts whatever its value, as Go sends it
    assert listed(client, auth, base, '?queued=%25%21d%28bool%3Dtrue%29') == [c, a]
    assert listed(client, auth, base, '?queued=1&cancelled=0') == [c, b, a]
    assert listed(client, auth, base, '?code_name=hello') == [b, a]
    assert listed(client, auth, base, '?code_name=&label=') == [c, b, a]
    assert listed(client, auth, base, '?label=red') == [a]
    created = Task.get_by_id(ids.decode(ids.Kind.TASK, c)).created_at
    assert listed(client, auth, base, f'?from_time={created + 1}') == []
    assert listed(client, auth, base, f'?to_time={created + 1}') == [c, b, a]
    assert listed(client, auth, base, '?code_name=nope') == []


@pytest.mark.parametrize('query', ['per_page=101', 'per_page=0', 'page=101', 'page=-1',
                                   'from_time=yesterday', 'to_time=-5'])
def test_bad_list_parameters_are_400(client, auth, base, query):
    assert call(client, auth, 'GET', f'{base}/tasks?{query}', 400)['msg']


def test_an_unknown_or_malformed_task_id_is_404(client, auth, base):
    upload_hello(client, auth, base)
    code_id = upload_hello(client, auth, base)['id']
    for task_id in ('0' * 24, code_id, 'nope', ids.encode(ids.Kind.TASK, 999),
                    ids.encode(ids.Kind.TASK, 2**64 - 1)):  # past 64-bit signed: no 500
        for suffix in ('', '/log', '/outlog'):
            assert get(client, auth, base, task_id + suffix, 404)['msg']
        for action in ('cancel', 'progress', 'retry'):
            assert call(client, auth, 'POST', f'{base}/tasks/{task_id}/{action}', 404,
                        body=b'')['msg']


def _run(alice, task_id: str, *, exit_code: int = 0, log: str | None = 'hello\n'):
    """Have an agent of alice's claim the task and report it finished."""
    principal = users.principal_for_token(users.create_token(alice, Scope.WORKER))
    worker = 'node1-agent'
    workers.register_worker(principal, worker, 'node1', 1)
    (work,) = serve.claim(principal, worker, 1)
    assert work.id == ids.decode(ids.Kind.TASK, task_id)
    if exit_code is None:
        return principal, worker, work
    outcome = reports.Outcome.COMPLETE if exit_code == 0 else reports.Outcome.FAILED
    serve.report(principal, worker, [reports.Result(
        number=work.id, attempt=work.attempt, outcome=outcome, exit_code=exit_code,
        log_tail=log)])
    return principal, worker, work


def test_a_finished_tasks_times_duration_and_log_are_shown_as_text(client, auth, base, alice):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    assert get(client, auth, base, f'{task_id}/log', 404)['msg']
    _run(alice, task_id)
    task = get(client, auth, base, task_id)
    assert task['status'] == 'complete'
    start, end = rfc3339(task['start_time']), rfc3339(task['end_time'])
    assert task['duration'] == round((end - start).total_seconds() * 1000)
    for suffix in ('log', 'outlog'):
        resp = client.simulate_get(f'{base}/tasks/{task_id}/{suffix}',
                                   headers={**auth, 'Accept': 'application/json'})
        assert resp.status_code == 200
        assert resp.headers['content-type'].startswith('text/plain')
        assert resp.text == 'hello\n'


def test_cancel_takes_an_empty_body_and_a_running_task_is_told_to_stop(client, auth, base,
                                                                        alice):
    upload_hello(client, auth, base, max_concurrency=1)
    (queued,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    resp = client.simulate_post(f'{base}/tasks/{queued}/cancel',
                                headers={**auth, 'Content-Length': '0'})
    assert (resp.status_code, resp.json) == (200, {'msg': 'Cancelled'})
    assert get(client, auth, base, queued)['status'] == 'cancelled'
    assert call(client, auth, 'POST', f'{base}/tasks/{queued}/cancel', 409)['msg']
    (running,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    principal, worker, work = _run(alice, running, exit_code=None)
    assert JobType.get(JobType.name == 'hello').scheduled_count == 1
    call(client, auth, 'POST', f'{base}/tasks/{running}/cancel')
    assert JobType.get(JobType.name == 'hello').scheduled_count == 0
    assert workers.heartbeat(principal, worker, held=[(work.id, work.attempt)]) == [
        (work.id, work.attempt)]
    receipt = serve.report(principal, worker, [reports.Result(
        number=work.id, attempt=work.attempt, outcome=reports.Outcome.COMPLETE, exit_code=0)])
    assert not receipt.accepted
    assert get(client, auth, base, running)['status'] == 'cancelled'


def test_progress_sets_percent_and_msg(client, auth, base):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    answer = call(client, auth, 'POST', f'{base}/tasks/{task_id}/progress',
                  json={'percent': 42, 'msg': 'half way'})
    assert answer == {'msg': 'Progress set'}
    task = get(client, auth, base, task_id)
    assert (task['percent'], task['msg'], task['status']) == (42, 'half way', 'queued')


@pytest.mark.parametrize('body', [{'percent': 101}, {'percent': 4.5}, {'percent': '5'},
                                  {'msg': 7}, {'msg': 'x' * 65537}])
def test_bad_progress_is_400(client, auth, base, body):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    assert call(client, auth, 'POST', f'{base}/tasks/{task_id}/progress', 400, json=body)['msg']


def test_retry_queues_a_finished_task_again_as_a_new_task(client, auth, base, alice):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello', 'payload': 'again',
                                                 'label': 'l', 'timeout': 60, 'priority': 1})
    assert call(client, auth, 'POST', f'{base}/tasks/{task_id}/retry', 409,
                json={'delay': 1})['msg']
    _run(alice, task_id, exit_code=1)
    assert get(client, auth, base, task_id)['status'] == 'error'
    upload_hello(client, auth, base)  # a new revision meanwhile: the retry runs the old one
    answer = call(client, auth, 'POST', f'{base}/tasks/{task_id}/retry', json={'delay': 5})
    (new_id,) = (item['id'] for item in answer['tasks'])
    assert answer['msg'] == 'Queued up' and new_id != task_id
    new = get(client, auth, base, new_id)
    assert {key: new[key] for key in ('payload', 'label', 'timeout', 'priority', 'status',
                                      'code_rev')} == {
        'payload': 'again', 'label': 'l', 'timeout': 60, 'priority': 1, 'status': 'queued',
        'code_rev': '1'}
    row = Task.get_by_id(ids.decode(ids.Kind.TASK, new_id))
    assert row.available_at - row.created_at == pytest.approx(5)
    assert call(client, auth, 'POST', f'{base}/tasks/{task_id}/retry', 400,
                json={'delay': -1})['msg']


def test_a_webhook_queues_its_raw_body_as_the_payload(client, auth, base):
    upload_hello(client, auth, base)
    raw = '{"event": "push", "ref": "main"}\n'
    resp = client.simulate_post(f'{base}/tasks/webhook?code_name=hello&priority=2&delay=1.5',
                                body=raw, headers={**auth, 'Content-Type': 'text/plain'})
    assert resp.status_code == 200, resp.text
    assert resp.json['msg'] == 'Queued up.'
    task = get(client, auth, base, resp.json['id'])
    assert (task['payload'], task['priority'], task['code_name']) == (raw, 2, 'hello')


@pytest.mark.parametrize('query, body, status', [
    ('', 'x', 400), ('?code_name=nope', 'x', 404), ('?code_name=hello&priority=7', 'x', 400),
    ('?code_name=hello&timeout=soon', 'x', 400), ('?code_name=hello', 'x' * 65537, 413)])
def test_a_bad_webhook_is_refused_with_a_msg(client, auth, base, query, body, status):
    upload_hello(client, auth, base)
    resp = client.simulate_post(f'{base}/tasks/webhook{query}', body=body, headers=auth)
    assert resp.status_code == status, resp.text
    assert resp.json['msg'] and Task.select().count() == 0


def test_another_project_cannot_list_read_or_cancel_the_tasks(client, auth, base, bob_auth):
    upload_hello(client, auth, base)
    (task_id,) = queued_ids(client, auth, base, {'code_name': 'hello'})
    assert call(client, bob_auth, 'GET', f'{base}/tasks', 404)['msg']
    assert get(client, bob_auth, base, task_id, 404)['msg']
    call(client, bob_auth, 'POST', f'{base}/tasks/{task_id}/cancel', 404)
    queue(client, bob_auth, base, {'code_name': 'hello'}, status=404)
    assert get(client, auth, base, task_id)['status'] == 'queued'


def test_a_worker_token_cannot_queue(client, base, alice):
    worker = {'Authorization': f'OAuth {users.create_token(alice, Scope.WORKER)}'}
    resp = client.simulate_post(f'{base}/tasks', headers=worker,
                                body=json.dumps({'tasks': [{'code_name': 'hello'}]}))
    assert resp.status_code == 403


def test_tasks_are_ironworkers_states_by_name():
    assert {state.value for state in TaskState} == {
        'queued', 'running', 'complete', 'error', 'cancelled', 'killed', 'timeout'}
