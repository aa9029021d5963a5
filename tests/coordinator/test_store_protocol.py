"""Store: the farmworker protocol — batched claims, fenced results, retries, leases and the reaper."""

import pytest

from coordinator import maintenance
from coordinator.errors import Conflict, NotFound
from coordinator.models import Run, Task, Worker
from coordinator.states import TaskState, WorkerState
from coordinator.store import dispatch, reports, runs, workers
from coordinator.store.reports import Outcome, Result

T0 = 1_000_000.0
TTL = 60.0


@pytest.fixture
def farm(alice_principal):
    """A run of 6 tasks (2 tries, retry after 30 s) and two heartbeating agents, at time T0."""
    run = runs.create_run(alice_principal, 6, now=T0)
    Run.update(max_tries=2, retry_delay_s=30).where(Run.id == run.id).execute()
    for name in ('agent-a', 'agent-b'):
        workers.register_worker(alice_principal, name, 'node', 1, now=T0,
                                resources=workers.Resources(slots=4, cpus=4))
    return run.uuid


def claim(principal, run_uuid, agent, k, now):
    return dispatch.claim_tasks(principal, run_uuid, agent, k, now, heartbeat=True)


def send(principal, run_uuid, agent, now, *results):
    return reports.report(principal, run_uuid, agent, list(results), now=now)


def status(principal, run_uuid):
    return runs.run_status(principal, run_uuid)


def test_a_batched_claim_hands_out_distinct_tasks_with_attempt_one(alice_principal, farm):
    first = claim(alice_principal, farm, 'agent-a', 4, T0)
    second = claim(alice_principal, farm, 'agent-b', 4, T0)
    assert [t.number for t in first] == [0, 1, 2, 3] and [t.number for t in second] == [4, 5]
    assert {t.attempt for t in first + second} == {1}
    assert claim(alice_principal, farm, 'agent-b', 4, T0) == []
    assert status(alice_principal, farm).running == 6


def test_results_complete_and_count(alice_principal, farm):
    tasks = claim(alice_principal, farm, 'agent-a', 2, T0)
    receipt = send(alice_principal, farm, 'agent-a', T0 + 5,
                   Result(tasks[0].number, 1, Outcome.RUNNING, percent=50.0),
                   Result(tasks[1].number, 1, Outcome.COMPLETE, exit_code=0, log_tail='ok\n'))
    assert receipt.accepted == [0, 1] and receipt.refused == []
    now = status(alice_principal, farm)
    assert (now.running, now.done, now.percent_done) == (1, 1, pytest.approx(150 / 6))
    assert Task.get(Task.number == 1).log_tail == 'ok\n'


def test_a_failure_is_retried_after_the_delay_then_fails_for_good(alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    send(alice_principal, farm, 'agent-a', T0, Result(task.number, 1, Outcome.FAILED, exit_code=3))
    assert [t.number for t in claim(alice_principal, farm, 'agent-a', 1, T0 + 29)] == [1]
    (again,) = claim(alice_principal, farm, 'agent-a', 1, T0 + 30)
    assert (again.number, again.attempt) == (task.number, 2)
    send(alice_principal, farm, 'agent-a', T0 + 31, Result(again.number, 2, Outcome.FAILED, exit_code=3))
    row = Task.get(Task.number == task.number)
    assert (row.status, row.exit_code, row.failed_tries, row.error_category) == ('error', 3, 2, 'ALGORITHM')
    assert row.error_name == 'algorithm-unknown'  # a run's type has no manifest to map codes
    assert status(alice_principal, farm).failed == 1


def test_a_released_task_is_claimable_at_once_without_using_a_try(alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    send(alice_principal, farm, 'agent-a', T0, Result(task.number, 1, Outcome.RELEASED, percent=40.0))
    (again,) = claim(alice_principal, farm, 'agent-b', 1, T0)
    assert (again.number, again.attempt, again.percent) == (task.number, 2, 40.0)
    assert Task.get(Task.number == task.number).failed_tries == 0


def test_stale_and_foreign_results_are_refused_and_change_nothing(alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    receipt = send(alice_principal, farm, 'agent-b', T0,
                   Result(task.number, 1, Outcome.COMPLETE, exit_code=0),
                   Result(task.number, 7, Outcome.COMPLETE, exit_code=0),
                   Result(5, 1, Outcome.COMPLETE, exit_code=0))
    assert receipt.accepted == []
    assert [r['reason'] for r in receipt.refused] == [
        'the task is held by another worker', 'attempt 7 is stale: the task is at attempt 1',
        'no such task has been claimed']
    assert status(alice_principal, farm).done == 0


def test_a_silent_agent_is_declared_lost_and_its_tasks_go_to_another(alice_principal, farm):
    claim(alice_principal, farm, 'agent-a', 2, T0)
    workers.heartbeat(alice_principal, 'agent-b', now=T0 + 50)
    assert maintenance.reap(TTL, now=T0 + 59) == []
    assert maintenance.reap(TTL, now=T0 + 61) == ['agent-a']
    lost = Worker.get(Worker.uuid == 'agent-a')
    assert lost.state == 'lost' and 'no heartbeat for 61 s' in lost.reason
    assert status(alice_principal, farm).running == 0
    handed = claim(alice_principal, farm, 'agent-b', 2, T0 + 62)
    assert [(t.number, t.attempt) for t in handed] == [(0, 2), (1, 2)]
    late = send(alice_principal, farm, 'agent-b', T0 + 63,
                Result(0, 2, Outcome.COMPLETE, exit_code=0))
    assert late.accepted == [0]
    with pytest.raises(Conflict):  # the zombie is told it is lost; its result changes nothing
        send(alice_principal, farm, 'agent-a', T0 + 64, Result(0, 1, Outcome.COMPLETE, exit_code=0))
    assert status(alice_principal, farm).done == 1
    assert Task.get(Task.number == 0).attempt == 2


def test_a_task_whose_workers_keep_dying_fails_with_a_system_error(alice_principal, farm):
    claim(alice_principal, farm, 'agent-a', 1, T0)
    maintenance.reap(TTL, now=T0 + 61)
    workers.register_worker(alice_principal, 'agent-c', 'node', 2, now=T0 + 61,
                            resources=workers.Resources(slots=1))
    claim(alice_principal, farm, 'agent-c', 1, T0 + 61)
    maintenance.reap(TTL, now=T0 + 200)
    row = Task.get(Task.number == 0)
    assert (row.status, row.error_category, row.error_name, row.failed_tries) == (
        'error', 'SYSTEM', 'node-lost', 2)


def test_workers_that_never_heartbeat_are_never_reaped(alice_principal, farm):
    workers.register_worker(alice_principal, 'stock-client', 'node', 3, now=T0)
    (task,) = dispatch.claim_tasks(alice_principal, farm, 'stock-client', 1, T0)
    assert maintenance.reap(TTL, now=T0 + 10**6) == ['agent-a', 'agent-b']
    assert Task.get(Task.id == task.id).status == 'running'


def test_a_lost_agent_must_register_again_and_then_works(alice_principal, farm):
    maintenance.reap(TTL, now=T0 + 61)
    with pytest.raises(Conflict):
        workers.heartbeat(alice_principal, 'agent-a', now=T0 + 62)
    with pytest.raises(Conflict):
        claim(alice_principal, farm, 'agent-a', 1, T0 + 62)
    workers.register_worker(alice_principal, 'agent-a', 'node', 1, now=T0 + 63,
                            resources=workers.Resources(slots=4))
    assert len(claim(alice_principal, farm, 'agent-a', 1, T0 + 63)) == 1


def test_a_stopping_agent_hands_its_tasks_back_without_using_tries(alice_principal, farm):
    claim(alice_principal, farm, 'agent-a', 3, T0)
    assert workers.stop_worker(alice_principal, 'agent-a', 'walltime', now=T0 + 1) == 3
    assert Worker.get(Worker.uuid == 'agent-a').state == WorkerState.STOPPED.value
    assert {t.failed_tries for t in Task.select()} == {0}
    assert status(alice_principal, farm).running == 0


def test_tasks_claimed_by_a_worker_as_it_was_declared_lost_are_requeued_next_pass(alice_principal, farm):
    Run.update(max_tries=5).execute()
    claim(alice_principal, farm, 'agent-a', 1, T0)
    maintenance.reap(TTL, now=T0 + 61)
    # a claim that passed the liveness check just before the worker was declared lost
    Task.update(status=TaskState.RUNNING.value, worker=Worker.get(Worker.uuid == 'agent-a').id,
                attempt=Task.attempt + 1).where(Task.number == 0).execute()
    Run.update(running_count=Run.running_count + 1).execute()
    maintenance.reap(TTL, now=T0 + 62)
    assert Task.get(Task.number == 0).status == 'queued'
    assert status(alice_principal, farm).running == 0


def test_progress_then_completion_of_one_task_in_one_batch_both_apply(alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    receipt = send(alice_principal, farm, 'agent-a', T0,
                   Result(task.number, 1, Outcome.RUNNING, percent=50.0),
                   Result(task.number, 1, Outcome.COMPLETE, exit_code=0),
                   Result(task.number, 1, Outcome.RUNNING, percent=10.0))
    assert receipt.accepted == [task.number, task.number]
    assert receipt.refused[0]['reason'] == 'the task is complete, not running'
    assert status(alice_principal, farm).done == 1


def test_silence_while_the_coordinator_stalled_is_not_held_against_agents(alice_principal, farm):
    claim(alice_principal, farm, 'agent-a', 1, T0)
    maintenance.reap(TTL, now=T0 + 15, stall_s=TTL / 2)
    # no pass for 85 s: the database was down, or one request held the write lock
    assert maintenance.reap(TTL, now=T0 + 100, stall_s=TTL / 2) == []
    workers.heartbeat(alice_principal, 'agent-b', now=T0 + 110)  # agent-b is back; agent-a not
    for now in (T0 + 115, T0 + 130, T0 + 145, T0 + 159):
        assert maintenance.reap(TTL, now=now, stall_s=TTL / 2) == []
    assert maintenance.reap(TTL, now=T0 + 161, stall_s=TTL / 2) == ['agent-a']
    assert Worker.get(Worker.uuid == 'agent-a').reason.startswith('no heartbeat for 161 s')
    assert Task.get(Task.number == 0).failed_tries == 1


def test_passes_closer_than_the_stall_limit_keep_judging_silence_as_before(alice_principal, farm):
    for now in (T0 + 15, T0 + 30, T0 + 45):
        assert maintenance.reap(TTL, now=now, stall_s=TTL / 2) == []
    assert sorted(maintenance.reap(TTL, now=T0 + 61, stall_s=TTL / 2)) == ['agent-a', 'agent-b']


def test_a_duty_whose_connection_broke_reconnects_at_its_next_pass(alice_principal, farm, database):
    passes = []
    duty = maintenance.Duty('test-reaper', lambda: passes.append(maintenance.reap(TTL)), 1.0)
    assert duty.run_once()
    database.connection().close()  # as a PostgreSQL restart or a dropped socket leaves it
    assert not duty.run_once()
    assert duty.run_once() and len(passes) == 2


def test_a_task_whose_exit_is_unknown_is_retried_then_fails_with_a_system_error(
        alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    send(alice_principal, farm, 'agent-a', T0, Result(task.number, 1, Outcome.SYSTEM_ERROR))
    row = Task.get(Task.number == task.number)
    assert (row.status, row.failed_tries, row.error_category) == ('queued', 1, None)
    (again,) = claim(alice_principal, farm, 'agent-a', 1, T0 + 30)
    send(alice_principal, farm, 'agent-a', T0 + 31,
         Result(again.number, 2, Outcome.SYSTEM_ERROR, msg='exit status unknown'))
    row = Task.get(Task.number == task.number)
    assert (row.status, row.exit_code, row.failed_tries, row.error_category, row.msg) == (
        'error', None, 2, 'SYSTEM', 'exit status unknown')
    assert row.error_name == 'unknown'
    assert status(alice_principal, farm).failed == 1


def test_a_task_killed_at_its_timeout_is_retried_then_fails_with_a_system_error(
        alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0)
    send(alice_principal, farm, 'agent-a', T0, Result(task.number, 1, Outcome.TIMEOUT))
    row = Task.get(Task.number == task.number)
    assert (row.status, row.failed_tries, row.error_category) == ('queued', 1, None)
    (again,) = claim(alice_principal, farm, 'agent-a', 1, T0 + 30)
    send(alice_principal, farm, 'agent-a', T0 + 31,
         Result(again.number, 2, Outcome.TIMEOUT, exit_code=-9, msg='killed after 60 s'))
    row = Task.get(Task.number == task.number)
    # the limit stopped it, not a failure of its own: SYSTEM, like a node that died under it
    assert (row.status, row.exit_code, row.failed_tries, row.error_category, row.error_name) == (
        'timeout', -9, 2, 'SYSTEM', 'timeout')
    assert status(alice_principal, farm).failed == 1


def beat_at(agent: str) -> float:
    return Worker.get(Worker.uuid == agent).last_heartbeat_at


def test_a_claim_or_report_is_a_heartbeat_once_it_commits_and_none_when_it_fails(
        alice_principal, farm):
    (task,) = claim(alice_principal, farm, 'agent-a', 1, T0 + 10)
    assert (beat_at('agent-a'), worker_state('agent-a')) == (T0 + 10, 'busy')
    with pytest.raises(NotFound):
        claim(alice_principal, 'no-such-run', 'agent-a', 1, T0 + 20)
    with pytest.raises(NotFound):
        send(alice_principal, 'no-such-run', 'agent-a', T0 + 20,
             Result(task.number, 1, Outcome.COMPLETE, exit_code=0))
    assert beat_at('agent-a') == T0 + 10, 'a request that changed nothing is no heartbeat'
    send(alice_principal, farm, 'agent-a', T0 + 30,
         Result(task.number, 1, Outcome.COMPLETE, exit_code=0))
    assert (beat_at('agent-a'), worker_state('agent-a')) == (T0 + 30, 'idle')
    dispatch.claim_tasks(alice_principal, farm, 'agent-b', 1, T0 + 40)  # the stock client's
    assert beat_at('agent-b') == T0


def test_a_claim_counts_its_run_once_started_and_moves_next_number_past_what_it_took(
        alice_principal, farm):
    claim(alice_principal, farm, 'agent-a', 4, T0 + 5)
    claim(alice_principal, farm, 'agent-b', 4, T0 + 6)
    run = Run.get(Run.uuid == farm)
    assert (run.next_number, run.running_count, run.started_at) == (6, 6, T0 + 5)


def worker_state(agent: str) -> str:
    return Worker.get(Worker.uuid == agent).state


def test_a_worker_is_busy_while_it_holds_a_task_of_any_run_and_idle_once_it_holds_none(
        alice_principal, farm):
    other = runs.create_run(alice_principal, 1, now=T0).uuid
    claim(alice_principal, farm, 'agent-a', 6, T0)
    (elsewhere,) = claim(alice_principal, other, 'agent-a', 1, T0)
    assert claim(alice_principal, farm, 'agent-a', 2, T0 + 1) == []
    assert worker_state('agent-a') == 'busy', 'a claim that got nothing: 7 tasks still held'
    send(alice_principal, farm, 'agent-a', T0 + 2,
         *(Result(number, 1, Outcome.COMPLETE, exit_code=0) for number in range(6)))
    assert worker_state('agent-a') == 'busy', 'a task of the other run is still held'
    send(alice_principal, other, 'agent-a', T0 + 3,
         Result(elsewhere.number, 1, Outcome.COMPLETE, exit_code=0))
    assert worker_state('agent-a') == 'idle'
    workers.heartbeat(alice_principal, 'agent-b', draining=True, now=T0 + 4)
    claim(alice_principal, other, 'agent-b', 1, T0 + 5)
    assert worker_state('agent-b') == 'draining'

