"""Store: job-type status, pending, running and system failures over tasks of every family."""

import pytest

from coordinator import maintenance
from coordinator.db import database
from coordinator.models import FINISHED, QUEUE_INDEX, STATUS_INDEX
from coordinator.states import TaskfarmStatus
from coordinator.store import (dispatch, job_type_status, job_types, queue, reports, run_tasks,
                               runs, users)
from coordinator.store import workers
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result

T0 = 1_000_000.0
HOUR = 3600.0


@pytest.fixture
def farm(alice_principal):
    """Types `fast` and `slow` (one try each), two agents, all at T0."""
    for name in ('fast', 'slow'):
        job_types.define(alice_principal, name, '1.0.0', Definition(command=[name]),
                         {'max_tries': 1}, now=T0)
    for agent in ('agent-a', 'agent-b'):
        workers.register_worker(alice_principal, agent, 'node', 1, now=T0,
                                resources=workers.Resources(slots=8))
    return alice_principal


def put(principal, name, *orders, now=T0):
    return queue.queue_tasks(principal, name, '1.0.0', list(orders) or [Order()], now=now)


def finish(principal, agent, tasks, outcome, now, exit_code=None):
    queue.report(principal, agent, [Result(task.id, task.attempt, outcome, exit_code=exit_code)
                                    for task in tasks], now=now)


def counts(principal, start=T0 - HOUR, end=T0 + 3 * HOUR, now=T0 + 3 * HOUR, is_active=None):
    """{type name: {(status, category): (count, most recent)}} and the rows themselves."""
    _, rows = job_type_status.status(principal, start, end, is_active, 0, 100, now)
    return {row.view.name: {(c.status.value, c.category): (c.count, c.most_recent)
                            for c in row.counts} for row in rows}, rows


def test_counts_by_scale_status_in_the_window_with_running_counted_whatever_the_window(farm):
    put(farm, 'fast', *[Order()] * 4)
    first = queue.claim(farm, 'agent-a', 4, ['fast'], now=T0 + 10)
    finish(farm, 'agent-a', first[:2], Outcome.COMPLETE, T0 + 20)
    finish(farm, 'agent-a', first[2:3], Outcome.FAILED, T0 + 30, exit_code=2)
    put(farm, 'slow', Order(), Order(delay_s=5 * HOUR), now=T0 + 40)
    seen, _ = counts(farm)
    assert seen['fast'] == {('RUNNING', None): (1, T0 + 10), ('COMPLETED', None): (2, T0 + 20),
                            ('FAILED', 'ALGORITHM'): (1, T0 + 30)}
    # the delayed task is PENDING until its time comes, then QUEUED
    assert seen['slow'] == {('QUEUED', None): (1, T0 + 40), ('PENDING', None): (1, T0 + 40)}
    later, _ = counts(farm, now=T0 + 40 + 5 * HOUR)
    assert later['slow'] == {('QUEUED', None): (2, T0 + 40)}
    # a window after it all: the running task still counts, nothing else does
    after, rows = counts(farm, start=T0 + 100 * HOUR, end=T0 + 101 * HOUR)
    assert after == {'fast': {('RUNNING', None): (1, T0 + 10)}, 'slow': {},
                     'taskfarm-run': {}}
    assert [row.view.name for row in rows] == ['fast', 'slow', 'taskfarm-run']


def test_a_taskfarm_runs_tasks_count_under_its_system_type_never_claimed_ones_too(farm):
    run = runs.create_run(farm, 5, now=T0)
    claimed = dispatch.claim_tasks(farm, run.uuid, 'agent-a', 3, T0 + 5, heartbeat=True)
    reports.report(farm, run.uuid, 'agent-a',
                   [Result(claimed[0].number, 1, Outcome.COMPLETE, exit_code=0),
                    Result(claimed[1].number, 1, Outcome.FAILED, exit_code=1)], now=T0 + 6)
    seen, rows = counts(farm)
    # 2 never handed out, plus the failure's retry (the run allows 3 tries) back in the queue
    assert seen['taskfarm-run'] == {
        ('QUEUED', None): (3, T0 + 6), ('RUNNING', None): (1, T0 + 5),
        ('COMPLETED', None): (1, T0 + 6)}
    (run_type,) = [row for row in rows if row.view.name == 'taskfarm-run']
    assert run_type.view.is_system and run_type.queued_now == 3
    runs.cancel_run(farm, run.uuid, now=T0 + 7)
    seen, rows = counts(farm)
    assert seen['taskfarm-run'] == {('COMPLETED', None): (1, T0 + 6),
                                    ('CANCELED', None): (2, T0 + 7)}
    assert [row.queued_now for row in rows if row.view.is_system] == [0]


def test_failures_count_by_category_and_the_last_one_is_named_whenever_it_was(farm):
    put(farm, 'fast', Order(), Order(), Order())
    one, two, three = queue.claim(farm, 'agent-a', 3, ['fast'], now=T0)
    finish(farm, 'agent-a', [one], Outcome.FAILED, T0 + 1, exit_code=7)
    finish(farm, 'agent-a', [two], Outcome.TIMEOUT, T0 + 2)
    finish(farm, 'agent-a', [three], Outcome.SYSTEM_ERROR, T0 + 3)
    seen, rows = counts(farm, start=T0, end=T0 + HOUR)
    assert seen['fast'] == {('FAILED', 'ALGORITHM'): (1, T0 + 1),
                            ('FAILED', 'SYSTEM'): (2, T0 + 3)}
    last = rows[0].last_failure
    assert (last.at, last.category, last.error_name, last.state.value) == (
        T0 + 3, 'SYSTEM', 'unknown', 'error')
    _, later = counts(farm, start=T0 + 10 * HOUR, end=T0 + 11 * HOUR)
    assert later[0].last_failure == last and later[1].last_failure is None


def test_pending_and_running_list_types_by_their_longest_waiting_or_running_task(farm):
    put(farm, 'fast', Order(delay_s=60), now=T0 + 5)
    put(farm, 'slow', Order(delay_s=60), Order(delay_s=60), now=T0)
    put(farm, 'slow', Order())
    assert job_type_status.running(farm, 0, 100) == (0, [])
    count, pending = job_type_status.pending(farm, 0, 100, now=T0 + 10)
    assert count == 2
    assert [(t.view.name, t.count, t.since) for t in pending] == [('slow', 2, T0),
                                                                 ('fast', 1, T0 + 5)]
    assert job_type_status.pending(farm, 0, 100, now=T0 + 65) == (0, [])
    queue.claim(farm, 'agent-a', 1, ['slow'], now=T0 + 20)
    queue.claim(farm, 'agent-b', 5, None, now=T0 + 70)
    count, running = job_type_status.running(farm, 1, 1)  # the second page of one
    assert count == 2 and [(t.view.name, t.count, t.since) for t in running] == [
        ('fast', 1, T0 + 70)]


def test_system_failures_group_by_type_and_error_over_all_history(farm):
    put(farm, 'fast', Order(), Order(), Order())
    put(farm, 'slow', Order())
    a, b, c = queue.claim(farm, 'agent-a', 3, ['fast'], now=T0)
    finish(farm, 'agent-a', [a], Outcome.TIMEOUT, T0 + 1)
    finish(farm, 'agent-a', [b], Outcome.TIMEOUT, T0 + 2 * HOUR)
    finish(farm, 'agent-a', [c], Outcome.FAILED, T0 + 3, exit_code=1)  # not SYSTEM
    queue.claim(farm, 'agent-b', 1, ['slow'], now=T0)
    workers.heartbeat(farm, 'agent-a', now=T0 + 10 * HOUR)
    maintenance.reap(60.0, now=T0 + 10 * HOUR)  # agent-b is lost with its slow task
    count, found = job_type_status.system_failures(farm, 0, 100)
    assert count == 2
    assert [(f.view.name, f.error.name, f.error.category.value, f.count, f.first_at, f.last_at)
            for f in found] == [('slow', 'node-lost', 'SYSTEM', 1, T0 + 10 * HOUR,
                                 T0 + 10 * HOUR),
                                ('fast', 'timeout', 'SYSTEM', 2, T0 + 1, T0 + 2 * HOUR)]


def test_another_projects_views_see_nothing_of_these_tasks(farm):
    put(farm, 'fast', Order(delay_s=60))
    put(farm, 'slow', Order())
    (task,) = queue.claim(farm, 'agent-a', 1, ['slow'], now=T0)
    finish(farm, 'agent-a', [task], Outcome.TIMEOUT, T0 + 1)
    runs.create_run(farm, 3, now=T0)
    users.add_user('bob', project='other')
    bob = users.principal_for_token(users.create_token('bob'))
    runs.create_run(bob, 2, now=T0)  # bob's project gets its run type, with bob's run
    seen, rows = counts(bob)
    assert seen == {'taskfarm-run': {('QUEUED', None): (2, T0)}} and rows[0].queued_now == 2
    assert job_type_status.pending(bob, 0, 100, T0) == (0, [])
    assert job_type_status.running(bob, 0, 100) == (0, [])
    assert job_type_status.system_failures(bob, 0, 100) == (0, [])


def test_only_active_types_when_asked(farm):
    job_types.edit(farm, 'slow', '1.0.0', {'is_active': False})
    _, rows = counts(farm, is_active=True)
    assert [row.view.name for row in rows] == ['fast', 'taskfarm-run']


def test_the_views_read_their_indexes_not_the_table(farm):
    if database.for_update:
        pytest.skip("PostgreSQL picks a plan by the table's statistics, not by its indexes alone")
    window = ("EXPLAIN QUERY PLAN SELECT job_type_id, status, COUNT(*) FROM task "
              f'WHERE job_type_id IN (?, ?) AND status IN (?, ?) AND {FINISHED} '
              'AND status_changed_at >= ? AND status_changed_at <= ? GROUP BY job_type_id, status')
    queued = ("EXPLAIN QUERY PLAN SELECT job_type_id, COUNT(*) FROM task "
              "WHERE job_type_id IN (?, ?) AND status = 'queued' AND available_at > ? "
              'GROUP BY job_type_id')
    for sql, params, index in ((window, (1, 2, 'complete', 'error', 0.0, 1.0), STATUS_INDEX),
                               (queued, (1, 2, 0.0), QUEUE_INDEX)):
        plan = ' '.join(row[-1] for row in database.execute_sql(sql, params))
        assert f'COVERING INDEX {index}' in plan, plan


def test_a_task_set_running_by_hand_counts_as_running_without_a_worker(farm):
    run = runs.create_run(farm, 3, now=T0)
    dispatch.claim_tasks(farm, run.uuid, 'agent-a', 1, T0 + 5, heartbeat=True)
    run_tasks.update_task(farm, run.uuid, 2, status=TaskfarmStatus.COMPUTING, now=T0 + 9)
    seen, _ = counts(farm, start=T0 + 100 * HOUR, end=T0 + 101 * HOUR)
    assert seen['taskfarm-run'] == {('RUNNING', None): (2, T0 + 9)}
    count, running = job_type_status.running(farm, 0, 100)
    assert count == 1 and [(t.view.name, t.count, t.since) for t in running] == [
        ('taskfarm-run', 2, T0 + 5)]
