"""Store: every move a task makes is one its table of moves allows, and no other is written."""

import pytest

from coordinator import maintenance
from coordinator.errors import Conflict
from coordinator.models import Task
from coordinator.states import OVERRIDES, TRANSITIONS, TaskState
from coordinator.store import dispatch, reports, run_tasks, runs, workers
from coordinator.store.reports import Outcome, Result

T0 = 1_000_000.0


@pytest.fixture
def farm(alice_principal):
    """A run of 4 tasks and an agent that heartbeats, at time T0."""
    workers.register_worker(alice_principal, 'agent', 'node', 1, now=T0,
                            resources=workers.Resources(slots=4))
    return runs.create_run(alice_principal, 4, now=T0).uuid


def claim(principal, run_uuid, count=1, now=T0):
    return dispatch.claim_tasks(principal, run_uuid, 'agent', count, now, heartbeat=True)


def complete(principal, run_uuid, task, now=T0 + 1):
    return reports.report(principal, run_uuid, 'agent',
                          [Result(task.number, task.attempt, Outcome.COMPLETE, exit_code=0)],
                          now=now)


def state_of(number: int) -> str:
    return Task.get(Task.number == number).status


def test_a_result_for_a_cancelled_task_does_not_bring_it_back(alice_principal, farm):
    (task,) = claim(alice_principal, farm)
    run_tasks.cancel_task(alice_principal, farm, task.number, now=T0 + 1)
    receipt = complete(alice_principal, farm, task, now=T0 + 2)
    assert receipt.accepted == []
    assert receipt.refused[0]['reason'] == 'the task is cancelled, not running'
    assert state_of(task.number) == 'cancelled'
    status = runs.run_status(alice_principal, farm)
    assert (status.cancelled, status.done, status.running) == (1, 0, 0)


def test_a_result_is_refused_for_a_move_the_table_lacks(alice_principal, farm, monkeypatch):
    monkeypatch.setitem(TRANSITIONS, TaskState.RUNNING,
                        TRANSITIONS[TaskState.RUNNING] - {TaskState.COMPLETE})
    (task,) = claim(alice_principal, farm)
    receipt = complete(alice_principal, farm, task)
    assert receipt.refused == [{'number': task.number, 'attempt': 1,
                                'reason': 'a running task cannot become complete'}]
    assert state_of(task.number) == 'running'
    assert runs.run_status(alice_principal, farm).done == 0


def test_claims_take_only_tasks_in_a_state_the_table_lets_run(alice_principal, farm, monkeypatch):
    (task,) = claim(alice_principal, farm)
    reports.report(alice_principal, farm, 'agent',
                   [Result(task.number, 1, Outcome.RELEASED)], now=T0 + 1)
    monkeypatch.setitem(TRANSITIONS, TaskState.QUEUED, frozenset())
    assert [t.number for t in claim(alice_principal, farm, now=T0 + 2)] == [1], \
        'the released task 0 is queued, which may not run: a fresh number is handed out'


def test_the_reaper_puts_back_only_what_the_table_lets_it(alice_principal, farm, monkeypatch):
    claim(alice_principal, farm, 2)
    monkeypatch.setitem(TRANSITIONS, TaskState.RUNNING,
                        TRANSITIONS[TaskState.RUNNING] - {TaskState.QUEUED})
    workers.stop_worker(alice_principal, 'agent', 'walltime', now=T0 + 1)
    maintenance.reap(60, now=T0 + 2)
    assert [state_of(0), state_of(1)] == ['running', 'running']


def test_a_person_cannot_make_a_move_the_overrides_lack(alice_principal, farm, monkeypatch):
    (task,) = claim(alice_principal, farm)
    monkeypatch.setitem(OVERRIDES, TaskState.RUNNING,
                        OVERRIDES[TaskState.RUNNING] - {TaskState.CANCELLED})
    with pytest.raises(Conflict):
        run_tasks.cancel_task(alice_principal, farm, task.number, now=T0 + 1)
    assert state_of(task.number) == 'running'
    assert runs.run_status(alice_principal, farm).cancelled == 0

