"""Scale's job-type status views over HTTP: windows, shapes, every family, projects apart."""

import datetime
import re
import time

import pytest

from coordinator.store import queue, workers
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result
from tests.coordinator.api.scale.conftest import TYPES, call, define, get

STATUS, PENDING, RUNNING, FAILURES = (TYPES + view + '/' for view in (
    'status', 'pending', 'running', 'system-failures'))
ZULU = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$')
HOUR = 3600.0


def counts(page: dict) -> dict:
    """{type name: {(status, category): count}} of a status page."""
    return {row['job_type']['name']: {(c['status'], c['category']): c['count']
                                      for c in row['job_counts']} for row in page['results']}


def iso(epoch: float, offset_hours: int = 0) -> str:
    zone = datetime.timezone(datetime.timedelta(hours=offset_hours))
    return datetime.datetime.fromtimestamp(epoch, zone).isoformat()


@pytest.fixture
def agent(alice_principal):
    workers.register_worker(alice_principal, 'agent', 'node', 1,
                            resources=workers.Resources(slots=8))
    return 'agent'


def test_a_taskfarm_runs_tasks_count_under_the_built_in_type(client, alice_auth):
    run = client.simulate_post('/api/run', json={'numTasks': 3}, headers=alice_auth).json
    client.simulate_post('/api/worker', json={'uuid': 'w1', 'hostname': 'n1', 'pid': 7},
                         headers=alice_auth)
    for _ in range(2):
        task = client.simulate_post(f"/api/runs/{run['uuid']}/task", json={'worker_uuid': 'w1'},
                                    headers=alice_auth).json
    client.simulate_put(f"/api/runs/{run['uuid']}/tasks/{task['task']}",
                        json={'status': 'done'}, headers=alice_auth)
    page = get(client, alice_auth, STATUS)
    assert counts(page) == {'taskfarm-run': {('QUEUED', None): 1, ('RUNNING', None): 1,
                                             ('COMPLETED', None): 1}}
    (row,) = page['results']
    assert row['queued_now'] == 1 and row['last_failure'] is None
    assert set(row['job_type']) == {'id', 'name', 'version', 'title', 'description',
                                    'is_active', 'is_paused', 'is_published', 'icon_code',
                                    'unmet_resources'}
    assert all(ZULU.match(count['most_recent']) for count in row['job_counts'])


def test_the_window_is_the_last_three_hours_unless_told_and_running_counts_whatever_it_is(
        client, alice_auth, alice_principal, agent):
    define(client, alice_auth, 'old-job', max_tries=1)
    queue.queue_tasks(alice_principal, 'old-job', '1.0.0', [Order()] * 3,
                      now=time.time() - 5 * HOUR)
    done, failed, running = queue.claim(alice_principal, agent, 3, now=time.time() - 5 * HOUR)
    queue.report(alice_principal, agent, [Result(done.id, 1, Outcome.COMPLETE),
                                          Result(failed.id, 1, Outcome.TIMEOUT)],
                 now=time.time() - 4 * HOUR)
    page = get(client, alice_auth, STATUS)
    assert counts(page)['old-job'] == {('RUNNING', None): 1}
    assert ZULU.match(page['started']) and ZULU.match(page['ended'])
    started = datetime.datetime.fromisoformat(page['started']).timestamp()
    assert time.time() - 3 * HOUR - 60 < started < time.time() - 3 * HOUR + 60
    every = {('RUNNING', None): 1, ('COMPLETED', None): 1, ('FAILED', 'SYSTEM'): 1}
    for window in ({'started': 'PT6H'}, {'started': 'P1D', 'ended': 'PT1M'},
                   {'started': iso(time.time() - 6 * HOUR, -5)},  # a negative offset, unlike Scale
                   {'started': iso(time.time() - 6 * HOUR, 2), 'ended': iso(time.time(), 9)}):
        assert counts(get(client, alice_auth, STATUS, **window))['old-job'] == every, window
    last = get(client, alice_auth, STATUS)['results'][0]['last_failure']
    assert (last['category'], last['error_name'], last['state']) == ('SYSTEM', 'timeout',
                                                                     'timeout')


def test_pending_running_and_system_failures_in_scales_shapes(client, alice_auth,
                                                                alice_principal, agent):
    define(client, alice_auth, 'my-job', max_tries=1)
    queue.queue_tasks(alice_principal, 'my-job', '1.0.0',
                      [Order(delay_s=HOUR), Order(), Order()])
    first, second = queue.claim(alice_principal, agent, 2)
    queue.report(alice_principal, agent, [Result(first.id, 1, Outcome.SYSTEM_ERROR)])
    (pending,) = get(client, alice_auth, PENDING)['results']
    (running,) = get(client, alice_auth, RUNNING)['results']
    (failure,) = get(client, alice_auth, FAILURES)['results']
    assert (pending['job_type']['name'], pending['count']) == ('my-job', 1)
    assert (running['count'], set(running)) == (1, {'job_type', 'count', 'longest_running'})
    assert ZULU.match(pending['longest_pending']) and ZULU.match(running['longest_running'])
    assert failure['count'] == 1 and failure['first_error'] == failure['last_error']
    assert failure['error'] == {
        'id': failure['error']['id'], 'name': 'unknown', 'title': 'Unknown',
        'description': failure['error']['description'], 'category': 'SYSTEM',
        'is_builtin': True, 'should_be_retried': True, 'created': None, 'last_modified': None}


def test_the_views_page_as_the_other_lists_and_filter_active_types(client, alice_auth):
    for name in ('a-job', 'b-job', 'c-job'):
        define(client, alice_auth, name)
    call(client, alice_auth, 'PATCH', TYPES + 'b-job/1.0.0/', {'is_active': False})
    first = get(client, alice_auth, STATUS, page_size='2')
    assert first['count'] == 4 and [row['job_type']['name'] for row in first['results']] == [
        'a-job', 'b-job']
    assert first['next'] == f'http://falconframework.org{STATUS}?page_size=2&page=2'
    active = get(client, alice_auth, STATUS, is_active='true')
    assert [row['job_type']['name'] for row in active['results']] == [
        'a-job', 'c-job', 'taskfarm-run']
    for view in (PENDING, RUNNING, FAILURES):
        assert get(client, alice_auth, view) == {'count': 0, 'next': None, 'previous': None,
                                                 'results': []}
        assert call(client, alice_auth, 'GET', view, page='2', status=404) == {
            'detail': 'Invalid page.'}


def test_another_project_sees_nothing_of_yours(client, alice_auth, bob_auth, alice_principal,
                                               agent):
    define(client, alice_auth, 'my-job', max_tries=1)
    queue.queue_tasks(alice_principal, 'my-job', '1.0.0', [Order(delay_s=HOUR), Order()])
    (task,) = queue.claim(alice_principal, agent, 1)
    queue.report(alice_principal, agent, [Result(task.id, 1, Outcome.TIMEOUT)])
    queue.queue_tasks(alice_principal, 'my-job', '1.0.0', [Order()])
    queue.claim(alice_principal, agent, 1)
    for view in (STATUS, PENDING, RUNNING, FAILURES):
        assert get(client, alice_auth, view)['count'] >= 1, view
        assert get(client, bob_auth, view)['count'] == 0, view


@pytest.mark.parametrize('params, problem', [
    ({'started': 'yesterday'}, 'started must be'), ({'ended': '2015-01-01T00:00:00'}, 'time zone'),
    ({'started': 'P1M'}, 'months'), ({'started': 'PT1H', 'ended': 'PT2H'}, 'after ended'),
    ({'is_active': 'maybe'}, 'boolean'), ({'page': '0'}, 'page must be')])
def test_bad_windows_and_parameters_are_refused_with_the_reason(client, alice_auth, params,
                                                                problem):
    assert problem in call(client, alice_auth, 'GET', STATUS, status=400, **params)['detail']
