"""A lost agent's IronWorker tasks and ndscheduler executions go back to the queue without
using a try (up to FREE_LOSSES); other families' tasks pay for a loss, as Scale's do."""

from coordinator import maintenance
from coordinator.models import Task
from coordinator.states import TaskState
from coordinator.store import code_packages, executions, job_types, queue, schedules, workers
from coordinator.store.code_packages import VERSION, Code
from coordinator.store.job_types import Definition
from coordinator.store.lost_tasks import FREE_LOSSES
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result
from tests.coordinator.test_store_schedules import job

T0 = 1_800_000_000.0
TTL = 60.0
ZIP = Code(runtime='sh', file_name='w.sh', blob='a' * 64, checksum='b' * 32, size_bytes=9)


def _lose_an_agent_holding(principal, agent: str, now: float) -> Task:
    """`agent` registers, claims the one queued task and is declared lost; the task after."""
    workers.register_worker(principal, agent, 'node', 1, now=now,
                            resources=workers.Resources(slots=1))
    (claimed,) = queue.claim(principal, agent, 1, None, now=now)
    assert maintenance.reap(TTL, now=now + TTL + 1) == [agent]
    return Task.get_by_id(claimed.id)


def test_an_ironworker_task_with_no_retries_is_queued_again_when_its_agent_is_lost(
        alice_principal):
    code_packages.upload(alice_principal, 'hello', ZIP, {'retries': 0}, now=T0)
    (task_id,) = queue.queue_tasks(alice_principal, 'hello', VERSION, [Order(payload='{}')],
                                   now=T0)
    lost = _lose_an_agent_holding(alice_principal, 'doomed', T0)
    assert (lost.status, lost.failed_tries, lost.attempt, lost.msg) == (
        'queued', 0, 1, 'worker lost')
    workers.register_worker(alice_principal, 'steady', 'node', 2, now=T0 + 100,
                            resources=workers.Resources(slots=1))
    (again,) = queue.claim(alice_principal, 'steady', 1, None, now=T0 + 100)
    assert (again.id, again.attempt) == (task_id, 2)
    queue.report(alice_principal, 'steady', [Result(task_id, 2, Outcome.COMPLETE, exit_code=0)],
                 now=T0 + 101)
    done = Task.get_by_id(task_id)
    assert (done.status, done.failed_tries, done.error_name) == ('complete', 0, None)


def test_a_task_whose_agents_keep_dying_ends_node_lost_after_its_free_losses(alice_principal):
    code_packages.upload(alice_principal, 'hello', ZIP, {'retries': 0}, now=T0)
    queue.queue_tasks(alice_principal, 'hello', VERSION, [Order(payload='{}')], now=T0)
    for loss in range(FREE_LOSSES):
        task = _lose_an_agent_holding(alice_principal, f'agent-{loss}', T0 + loss * 100)
        assert (task.status, task.failed_tries) == ('queued', 0)
    task = _lose_an_agent_holding(alice_principal, 'the-last', T0 + FREE_LOSSES * 100)
    assert (task.status, task.error_category, task.error_name, task.failed_tries,
            task.attempt) == ('error', 'SYSTEM', 'node-lost', 1, FREE_LOSSES + 1)


def test_an_ndscheduler_execution_whose_agent_is_lost_runs_again_and_succeeds_once(
        alice_principal):
    job_id = schedules.add_job(alice_principal, job(), now=T0)
    execution_id = executions.run_now(alice_principal, job_id, now=T0)
    lost = _lose_an_agent_holding(alice_principal, 'doomed', T0)
    assert (lost.status, lost.max_tries, lost.failed_tries) == ('queued', 1, 0)
    assert executions.get_execution(alice_principal, execution_id).state is TaskState.QUEUED
    workers.register_worker(alice_principal, 'steady', 'node', 2, now=T0 + 100,
                            resources=workers.Resources(slots=1))
    (again,) = queue.claim(alice_principal, 'steady', 1, None, now=T0 + 100)
    queue.report(alice_principal, 'steady', [Result(again.id, 2, Outcome.COMPLETE, exit_code=0)],
                 now=T0 + 101)
    assert executions.get_execution(alice_principal, execution_id).state is TaskState.COMPLETE


def test_a_job_type_task_pays_for_a_lost_agent_with_a_try_as_scale_says(alice_principal):
    job_types.define(alice_principal, 'once', '1.0.0', Definition(command=['true']),
                     {'max_tries': 1}, now=T0)
    queue.queue_tasks(alice_principal, 'once', '1.0.0', [Order(payload='{}')], now=T0)
    task = _lose_an_agent_holding(alice_principal, 'doomed', T0)
    assert (task.status, task.error_category, task.error_name, task.failed_tries) == (
        'error', 'SYSTEM', 'node-lost', 1)
