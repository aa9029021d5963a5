"""Store: the per-minute counts of finished tasks by type stay those of the tasks themselves."""

import collections
import random

import pytest

from coordinator import maintenance
from coordinator.db import run_sql
from coordinator.models import Project
from coordinator.states import TaskfarmStatus
from coordinator.store import (dispatch, job_types, queue, reports, retention, run_tasks, runs,
                               type_activity, users, workers)
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result

T0 = 1_000_040.0  # 20 s into a minute (1,000,020 s is 16,667 minutes)
FINAL = ('cancelled', 'complete', 'error', 'killed', 'timeout')


@pytest.fixture
def farm(alice_principal):
    """Types `fast` (two tries) and `slow` (one), two agents with 8 slots, all at T0."""
    for name, tries in (('fast', 2), ('slow', 1)):
        job_types.define(alice_principal, name, '1.0.0', Definition(command=[name]),
                         {'max_tries': tries}, now=T0)
    for agent in ('agent-a', 'agent-b'):
        workers.register_worker(alice_principal, agent, 'node', 1, now=T0,
                                resources=workers.Resources(slots=8))
    return alice_principal


def finished_tasks() -> list[tuple]:
    """(type id, state, category, changed at) of every finished task, read from the tasks."""
    return [row for row in run_sql('SELECT job_type_id, status, error_category, '
                                   'status_changed_at FROM task').fetchall()
            if row[1] in FINAL and row[3] is not None]


def counted_from_tasks() -> dict[tuple, tuple]:
    """{(type id, minute, state, category or ''): (tasks, latest)}: what the counters must hold."""
    found = collections.defaultdict(lambda: [0, 0.0])
    for type_id, state, category, at in finished_tasks():
        seen = found[(type_id, int(at) // 60, state, category or '')]
        seen[0], seen[1] = seen[0] + 1, max(seen[1], at)
    return {key: tuple(value) for key, value in found.items()}


def counters() -> dict[tuple, tuple]:
    return {(type_id, minute, state, category): (tasks, latest)
            for type_id, minute, state, category, tasks, latest in run_sql(
                'SELECT job_type_id, minute, status, category, tasks, latest '
                'FROM job_type_activity').fetchall()}


def assert_exact() -> None:
    assert counters() == counted_from_tasks()


def done(principal, agent, tasks, outcome, now, exit_code=None):
    queue.report(principal, agent, [Result(task.id, task.attempt, outcome, exit_code=exit_code)
                                    for task in tasks], now=now)


def test_counters_match_the_tasks_through_every_kind_of_move(farm):
    queue.queue_tasks(farm, 'fast', '1.0.0', [Order()] * 6, now=T0)
    queue.queue_tasks(farm, 'slow', '1.0.0', [Order()] * 3, now=T0)
    a = queue.claim(farm, 'agent-a', 5, ['fast'], now=T0 + 10)
    done(farm, 'agent-a', a[:2], Outcome.COMPLETE, T0 + 39.5, exit_code=0)  # minute edge
    done(farm, 'agent-a', a[2:3], Outcome.FAILED, T0 + 40, exit_code=3)  # retried: queued
    done(farm, 'agent-a', a[3:4], Outcome.TIMEOUT, T0 + 41)
    done(farm, 'agent-a', a[4:5], Outcome.SYSTEM_ERROR, T0 + 100)
    assert_exact()
    b = queue.claim(farm, 'agent-b', 3, ['slow'], now=T0 + 20)
    done(farm, 'agent-b', b[:1], Outcome.COMPLETE, T0 + 30, exit_code=0)
    workers.heartbeat(farm, 'agent-a', now=T0 + 200)
    maintenance.reap(60.0, now=T0 + 200)  # agent-b is lost: its slow tasks fail (one try)
    assert_exact()
    run = runs.create_run(farm, 6, now=T0)
    claimed = dispatch.claim_tasks(farm, run.uuid, 'agent-a', 4, T0 + 300, heartbeat=True)
    reports.report(farm, run.uuid, 'agent-a',
                   [Result(task.number, 1, Outcome.COMPLETE, exit_code=0) for task in claimed[:3]]
                   + [Result(claimed[3].number, 1, Outcome.FAILED, exit_code=1)], now=T0 + 310)
    run_tasks.update_task(farm, run.uuid, claimed[0].number, status=TaskfarmStatus.WAITING,
                          now=T0 + 320)  # redo a done task: it leaves its minute's count
    assert_exact()
    runs.restart_run(farm, run.uuid, everything=True, now=T0 + 330)
    assert_exact()
    again = dispatch.claim_tasks(farm, run.uuid, 'agent-a', 2, T0 + 340, heartbeat=True)
    reports.report(farm, run.uuid, 'agent-a',
                   [Result(task.number, task.attempt, Outcome.COMPLETE, exit_code=0)
                    for task in again], now=T0 + 350)
    runs.cancel_run(farm, run.uuid, now=T0 + 360)
    assert_exact()
    assert {key[2] for key in counters()} == {'complete', 'error', 'cancelled'}
    retention.prune(T0 + 45)  # the first minutes' queued work goes, the rest stays
    assert_exact()
    runs.delete_run(farm, run.uuid)
    runs.purge_deleted_runs(now=T0 + 400)
    assert_exact()
    assert counters()  # the fast and slow types' later tasks are still counted


def test_a_projects_deletion_takes_its_counts_with_it(farm):
    queue.queue_tasks(farm, 'slow', '1.0.0', [Order()] * 2, now=T0)
    tasks = queue.claim(farm, 'agent-a', 2, ['slow'], now=T0)
    done(farm, 'agent-a', tasks, Outcome.COMPLETE, T0 + 1, exit_code=0)
    users.add_user('bob', project='other')
    bob = users.principal_for_token(users.create_token('bob'))
    run = runs.create_run(bob, 2, now=T0)
    workers.register_worker(bob, 'agent-c', 'node', 1, now=T0,
                            resources=workers.Resources(slots=2))
    claimed = dispatch.claim_tasks(bob, run.uuid, 'agent-c', 2, T0 + 1, heartbeat=True)
    reports.report(bob, run.uuid, 'agent-c', [Result(task.number, 1, Outcome.COMPLETE,
                                                     exit_code=0) for task in claimed], now=T0 + 2)
    assert len(counters()) == 2
    Project.delete().where(Project.name == 'other').execute()  # tasks go by cascade
    assert_exact()
    assert len(counters()) == 1


def test_a_window_counts_what_the_tasks_say_whatever_its_edges(farm):
    queue.queue_tasks(farm, 'fast', '1.0.0', [Order()] * 40, now=T0)
    tasks = queue.claim(farm, 'agent-a', 40, ['fast'], now=T0)
    rng = random.Random(16)
    # finished over ten minutes, some exactly on a minute's first second
    moments = sorted(T0 + rng.choice([rng.uniform(0, 600), 60 * rng.randint(1, 9) - 20])
                     for _ in tasks)
    for task, at in zip(tasks, moments):
        outcome = rng.choice([Outcome.COMPLETE, Outcome.TIMEOUT, Outcome.SYSTEM_ERROR])
        done(farm, 'agent-a', [task], outcome, at, exit_code=0)
    assert_exact()
    (fast,) = run_sql("SELECT id FROM job_type WHERE name = 'fast'").fetchone()
    edges = [*moments[::5], T0 - 20, T0 + 40, T0 + 100.5, T0 + 700]
    for start in edges:
        for end in edges:
            expected = collections.defaultdict(lambda: [0, 0.0])
            for type_id, state, category, at in finished_tasks():
                if start <= at <= end:
                    seen = expected[(state, category)]
                    seen[0], seen[1] = seen[0] + 1, max(seen[1], at)
            merged = collections.defaultdict(lambda: [0, 0.0])
            for type_id, state, category, count, latest in type_activity.finished_between(
                    [fast], start, end):
                seen = merged[(state, category)]
                seen[0], seen[1] = seen[0] + count, max(seen[1], latest)
            assert dict(merged) == dict(expected), (start - T0, end - T0)


def test_the_window_reads_counters_for_its_whole_minutes(farm, monkeypatch):
    """Only a window's partial first and last minutes are read from the tasks."""
    scanned = []
    real = type_activity._scanned
    monkeypatch.setattr(type_activity, '_scanned', lambda ids, start, before: scanned.append(
        (start, before)) or real(ids, start, before))
    type_activity.finished_between([1], T0, T0 + 3 * 3600)
    assert scanned == [(T0, T0 + 40), (T0 + 3 * 3600 - 20, pytest.approx(T0 + 3 * 3600))]


def test_back_fill_counts_the_tasks_finished_before_the_triggers(farm):
    queue.queue_tasks(farm, 'fast', '1.0.0', [Order()] * 3, now=T0)
    tasks = queue.claim(farm, 'agent-a', 3, ['fast'], now=T0)
    for task, at in zip(tasks, (T0 + 1, T0 + 2, T0 + 90)):
        done(farm, 'agent-a', [task], Outcome.COMPLETE, at, exit_code=0)
    expected = counters()
    type_activity.remove()
    run_sql('DELETE FROM job_type_activity')
    assert type_activity.back_fill() == 2 and counters() == expected
    type_activity.install()
    type_activity.install()  # again: nothing changes
    queue.queue_tasks(farm, 'fast', '1.0.0', [Order()], now=T0)
    done(farm, 'agent-a', queue.claim(farm, 'agent-a', 1, ['fast'], now=T0), Outcome.COMPLETE,
         T0 + 3, exit_code=0)
    assert_exact()
