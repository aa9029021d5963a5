"""Store: why a task waits — pauses, caps, delays, no agent serving it, walltime, or in line."""

import json

import pytest

from coordinator.errors import NotFound
from coordinator.store import explain, job_types, queue, runs, serve, workers
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result

T0 = 1_000_000.0  # 1970-01-12T13:46:40+00:00


def agent(principal, name, walltime_end_at=None, **serves):
    workers.register_worker(principal, name, 'node', 1, now=T0, resources=workers.Resources(
        slots=1, walltime_end_at=walltime_end_at, serves=json.dumps(serves) if serves else None))


@pytest.fixture
def project(alice_principal):
    """Type `render` (timeout 300 s) with three jobs queued at T0."""
    job_types.define(alice_principal, 'render', '1.0.0', Definition(command=['r']),
                     {'timeout_s': 300}, now=T0)
    return alice_principal


def jobs(principal, count=3, **order):
    return queue.queue_tasks(principal, 'render', '1.0.0', [Order(**order)] * count, now=T0)


def why(principal, task_id, now=T0):
    return explain.for_task(principal, task_id, now=now)


def test_with_no_agent_at_all_the_reason_is_that_none_serves_its_type(project):
    first, *_ = jobs(project)
    assert why(project, first).reasons == ['no live agent serves job type render']
    agent(project, 'other', job_types=['encode'])
    agent(project, 'runner', run='0' * 32)
    assert why(project, first).reasons == ['no live agent serves job type render']


def test_in_line_it_says_how_many_tasks_of_its_type_go_first(project):
    agent(project, 'any', job_types=None)
    first, second, third = jobs(project)
    (urgent,) = jobs(project, 1, priority=9)
    assert why(project, third) == explain.Waiting('queued', [], ahead=3)
    assert why(project, urgent).ahead == 0 and why(project, second).ahead == 2


def test_a_paused_inactive_or_capped_type_is_named(project):
    agent(project, 'r1', job_types=['render'])
    first, second, _ = jobs(project)
    job_types.edit(project, 'render', '1.0.0', {'max_scheduled': 1, 'is_paused': True})
    assert why(project, first).reasons == ['its job type render 1.0.0 is paused']
    job_types.edit(project, 'render', '1.0.0', {'is_paused': False})
    assert [task.id for task in serve.claim(project, 'r1', 5, now=T0)] == [first]
    capped = 'its job type render 1.0.0 is at max_scheduled: 1 of 1 running'
    assert why(project, second).reasons == [capped]
    job_types.edit(project, 'render', '1.0.0', {'is_active': False})
    assert why(project, second).reasons == ['its job type render 1.0.0 is inactive', capped]


def test_a_retried_task_is_delayed_until_its_time(project):
    job_types.edit(project, 'render', '1.0.0', {'retry_delay_s': 60})
    agent(project, 'r1', job_types=['render'])
    (task_id,) = jobs(project, 1)
    serve.claim(project, 'r1', 1, now=T0)
    serve.report(project, 'r1', [Result(task_id, 1, Outcome.FAILED, exit_code=2)], now=T0)
    assert why(project, task_id, now=T0 + 1).reasons == [
        'delayed until 1970-01-12T13:47:40+00:00 (a retry delay)']
    assert why(project, task_id, now=T0 + 61).reasons == []


def test_a_task_that_outlasts_every_serving_agents_walltime_says_so(project):
    (task_id,) = jobs(project, 1)
    agent(project, 'short', walltime_end_at=T0 + 100, job_types=None)
    assert why(project, task_id).reasons == [
        "it would not fit in any agent's remaining walltime: it may take 300 s, "
        'the most left is 100 s']
    agent(project, 'long', walltime_end_at=T0 + 1000, job_types=None)
    assert why(project, task_id).reasons == []


def test_a_runs_untouched_task_waits_for_an_agent_of_its_run_or_of_its_type(project):
    run = runs.create_run(project, 3, now=T0)
    waiting = explain.for_run_task(project, run.uuid, 2, now=T0)
    assert waiting.reasons == [f'no live agent works on run {run.uuid} or serves job type '
                               'taskfarm-run']
    agent(project, 'stock')  # a stock taskfarm client works on runs
    assert explain.for_run_task(project, run.uuid, 2, now=T0) == explain.Waiting('queued', [])
    job_types.set_paused(project, *job_types.RUN_TYPE, True)
    assert explain.for_run_task(project, run.uuid, 2, now=T0).reasons == [
        'its job type taskfarm-run 1.0.0 is paused']


def test_running_finished_and_cancelled_tasks_are_not_waiting(project):
    agent(project, 'r1', job_types=None)
    (task_id,) = jobs(project, 1)
    serve.claim(project, 'r1', 1, now=T0)
    assert why(project, task_id) == explain.Waiting('running', [])
    run = runs.create_run(project, 2, now=T0)
    runs.cancel_run(project, run.uuid, now=T0)
    assert explain.for_run_task(project, run.uuid, 1, now=T0).status == 'cancelled'


def test_unknown_and_other_projects_tasks_are_not_found(project):
    with pytest.raises(NotFound):
        why(project, 12345)
    with pytest.raises(NotFound):
        explain.for_run_task(project, '0' * 32, 0)
