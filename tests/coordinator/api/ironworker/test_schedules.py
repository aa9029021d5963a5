"""IronWorker schedules over /2/projects/{id}/schedules: created as the Python client sends
them, listed, read, changed, cancelled, fired into tasks; refused with {"msg"} when wrong."""

import datetime
import time

from coordinator.store import firing
from tests.coordinator.api.ironworker.conftest import call, upload_hello
from tests.coordinator.api.ironworker.test_tasks import rfc3339

START = datetime.datetime(2030, 1, 1, 12, 0, tzinfo=datetime.UTC)
# what iron-worker 1.3.8 sends for queue(..., run_every=60, run_times=3, start_at=, end_at=)
PYTHON_ITEM = {'name': 'hello', 'code_name': 'hello', 'payload': '{"sched": true}',
               'priority': 0, 'delay': 0, 'label': 'probe-sched', 'cluster': None,
               'sync': False, 'run_every': 60,
               'end_at': (START + datetime.timedelta(days=1)).isoformat(), 'run_times': 3,
               'start_at': START.isoformat(), 'timeout': 3600}


def schedule(client, auth, base, *items, status=200):
    return call(client, auth, 'POST', f'{base}/schedules', status,
                json={'schedules': list(items)})


def scheduled_id(client, auth, base, **fields) -> str:
    (item,) = schedule(client, auth, base, {**PYTHON_ITEM, **fields})['schedules']
    return item['id']


def get(client, auth, base, schedule_id, status=200):
    return call(client, auth, 'GET', f'{base}/schedules/{schedule_id}', status)


def test_the_python_clients_schedule_request_makes_a_schedule(client, auth, base, project):
    code = upload_hello(client, auth, base)
    answer = schedule(client, auth, base, PYTHON_ITEM)
    assert answer['msg'] == 'Scheduled'
    (item,) = answer['schedules']
    found = get(client, auth, base, item['id'])
    assert {key: found[key] for key in (
        'id', 'project_id', 'code_id', 'code_name', 'payload', 'status', 'run_every',
        'run_times', 'run_count', 'priority', 'timeout', 'label')} == {
        'id': item['id'], 'project_id': project, 'code_id': code['id'], 'code_name': 'hello',
        'payload': '{"sched": true}', 'status': 'scheduled', 'run_every': 60, 'run_times': 3,
        'run_count': 0, 'priority': 0, 'timeout': 3600, 'label': 'probe-sched'}
    assert len(item['id']) == 24 and int(item['id'], 16) >= 0
    assert rfc3339(found['start_at']) == rfc3339(found['next_start']) == START
    assert rfc3339(found['end_at']) == START + datetime.timedelta(days=1)
    assert 'last_run_time' not in found and rfc3339(found['created_at'])


def test_run_every_under_a_minute_is_400_and_a_large_payload_413_with_a_msg(
        client, auth, base):
    upload_hello(client, auth, base)
    for wrong in ({'run_every': 30}, {'run_every': 59.5}, {'run_every': 'hourly'},
                  {'start_at': 'tomorrow'}, {'start_at': '2030-01-01T12:00:00'},
                  {'end_at': '2029-01-01T00:00:00Z'}, {'run_times': -1}, {'priority': 7},
                  {'payload': {'x': 1}}, {'code_name': ''}):
        answer = schedule(client, auth, base, {**PYTHON_ITEM, **wrong}, status=400)
        assert answer['msg'], wrong
    assert 'at least 60' in schedule(client, auth, base, {**PYTHON_ITEM, 'run_every': 30},
                                     status=400)['msg']
    answer = schedule(client, auth, base, {**PYTHON_ITEM, 'payload': 'x' * 65 * 1024},
                      status=413)
    assert '65536' in answer['msg']
    assert schedule(client, auth, base, {**PYTHON_ITEM, 'code_name': 'nope'},
                    status=404)['msg']
    assert call(client, auth, 'GET', f'{base}/schedules')['schedules'] == []


def test_a_request_of_many_adds_all_or_none(client, auth, base):
    upload_hello(client, auth, base)
    schedule(client, auth, base, PYTHON_ITEM, {**PYTHON_ITEM, 'code_name': 'nope'},
             status=404)
    assert call(client, auth, 'GET', f'{base}/schedules')['schedules'] == []
    ids = [item['id'] for item in schedule(client, auth, base, PYTHON_ITEM,
                                           PYTHON_ITEM)['schedules']]
    assert len(set(ids)) == 2


def test_schedules_are_listed_newest_first_a_page_at_a_time(client, auth, base):
    upload_hello(client, auth, base)
    first, second, third = (scheduled_id(client, auth, base) for _ in range(3))
    listed = call(client, auth, 'GET', f'{base}/schedules?per_page=30')['schedules']
    assert [item['id'] for item in listed] == [third, second, first]
    page = call(client, auth, 'GET', f'{base}/schedules?page=1&per_page=1')['schedules']
    assert [item['id'] for item in page] == [second]
    assert call(client, auth, 'GET', f'{base}/schedules?per_page=101', 400)['msg']


def test_cancel_takes_an_empty_body_and_answers_a_msg(client, auth, base):
    upload_hello(client, auth, base)
    schedule_id = scheduled_id(client, auth, base)
    for _ in range(2):  # again: still cancelled
        resp = client.simulate_post(f'{base}/schedules/{schedule_id}/cancel',
                                    headers={**auth, 'Content-Length': '0'})
        assert (resp.status_code, resp.json) == (200, {'msg': 'Cancelled'})
    found = get(client, auth, base, schedule_id)
    assert (found['status'], found['msg']) == ('cancelled', 'Cancelled')
    assert 'next_start' not in found
    assert call(client, auth, 'PUT', f'{base}/schedules/{schedule_id}', 409,
                json={'payload': '{}'})['msg']


def test_unknown_or_malformed_ids_and_other_projects_are_404(client, auth, base, bob_auth):
    upload_hello(client, auth, base)
    schedule_id = scheduled_id(client, auth, base)
    for bad in ('0' * 24, 'not-an-id', schedule_id.upper()):
        assert get(client, auth, base, bad, 404)['msg']
        assert call(client, auth, 'POST', f'{base}/schedules/{bad}/cancel', 404)['msg']
    assert get(client, bob_auth, base, schedule_id, 404)['msg']
    assert call(client, bob_auth, 'POST', f'{base}/schedules/{schedule_id}/cancel', 404)
    assert call(client, bob_auth, 'GET', f'{base}/schedules', 404)
    assert get(client, auth, base, schedule_id)['status'] == 'scheduled'


def test_put_changes_what_it_names_and_keeps_the_rest(client, auth, base):
    upload_hello(client, auth, base)
    upload_hello(client, auth, base, name='other')
    schedule_id = scheduled_id(client, auth, base)
    answer = call(client, auth, 'PUT', f'{base}/schedules/{schedule_id}',
                  json={'run_every': 3600, 'payload': '{"v": 2}', 'code_name': 'other',
                        'cluster': 'ignored'})
    assert answer == {'id': schedule_id, 'msg': 'Updated'}
    found = get(client, auth, base, schedule_id)
    assert (found['run_every'], found['payload'], found['code_name'], found['run_times'],
            found['label']) == (3600, '{"v": 2}', 'other', 3, 'probe-sched')
    assert call(client, auth, 'PUT', f'{base}/schedules/{schedule_id}', 400,
                json={'run_every': 10})['msg']
    assert call(client, auth, 'PUT', f'{base}/schedules/{schedule_id}', 404,
                json={'code_name': 'nope'})['msg']


def test_a_firing_is_a_task_that_names_its_schedule(client, auth, base):
    upload_hello(client, auth, base)
    now = time.time()
    schedule_id = scheduled_id(client, auth, base, start_at=None, run_times=2)
    assert len(firing.fire_due(now + 1)) == 1
    (task,) = call(client, auth, 'GET', f'{base}/tasks')['tasks']
    assert (task['schedule_id'], task['payload'], task['status'], task['code_name']) == (
        schedule_id, '{"sched": true}', 'queued', 'hello')
    found = get(client, auth, base, schedule_id)
    assert found['run_count'] == 1 and rfc3339(found['last_run_time'])
    assert rfc3339(found['next_start']) - rfc3339(found['last_run_time']) == \
        datetime.timedelta(seconds=60)
    firing.fire_due(now + 3600)
    found = get(client, auth, base, schedule_id)
    assert (found['status'], found['run_count'], found['msg']) == (
        'complete', 2, 'Ran max times.')
    assert call(client, auth, 'POST', f'{base}/schedules/{schedule_id}/cancel', 409)['msg']


def test_a_project_has_at_most_100_schedules_that_still_fire(client, auth, base):
    upload_hello(client, auth, base)
    first = [item['id'] for item in schedule(client, auth, base,
                                             *[PYTHON_ITEM] * 99)['schedules']]
    answer = schedule(client, auth, base, PYTHON_ITEM, PYTHON_ITEM, status=403)
    assert 'at most 100' in answer['msg'] and 'it has 99' in answer['msg']
    last = scheduled_id(client, auth, base)  # the 100th
    assert schedule(client, auth, base, PYTHON_ITEM, status=403)['msg']
    call(client, auth, 'POST', f'{base}/schedules/{first[0]}/cancel')
    scheduled_id(client, auth, base)  # a cancelled schedule no longer counts
    assert len(call(client, auth, 'GET', f'{base}/schedules?per_page=100')['schedules']) == 100
    assert get(client, auth, base, last)['status'] == 'scheduled'
