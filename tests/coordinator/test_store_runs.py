"""Store: runs are created in O(1), counted without scans, restarted and deleted correctly."""

import time

import pytest

from coordinator.errors import Forbidden, NotFound
from coordinator.models import AuditLog, Run, RunInput, Task
from coordinator.states import TaskfarmStatus
from coordinator.store import run_tasks, runs, users
from coordinator.store.access import Principal, Scope


def test_creating_a_huge_run_writes_no_task_rows(alice_principal):
    started = time.perf_counter()
    run = runs.create_run(alice_principal, 2**31 - 1)
    assert time.perf_counter() - started < 1.0
    assert Task.select().count() == 0
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.waiting, status.running, status.done, status.percent_done) == (2**31 - 1, 0, 0, 0)


def test_run_status_follows_claims_and_updates(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 4)
    first = run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    run_tasks.update_task(alice_principal, run.uuid, first.number, percent=50.0)
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.waiting, status.running, status.done) == (2, 2, 0)
    assert status.percent_done == pytest.approx(12.5)
    run_tasks.update_task(alice_principal, run.uuid, first.number, status=TaskfarmStatus.DONE)
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.waiting, status.running, status.done, status.percent_done) == (2, 1, 1, 25.0)


def test_partial_restart_requeues_unfinished_tasks_and_keeps_their_progress(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 3)
    done, half, _ = (run_tasks.claim_next(alice_principal, run.uuid, worker_uuid) for _ in range(3))
    run_tasks.update_task(alice_principal, run.uuid, done.number, status=TaskfarmStatus.DONE)
    run_tasks.update_task(alice_principal, run.uuid, half.number, percent=100.0)  # stalled at 100 %
    assert runs.restart_run(alice_principal, run.uuid, everything=False) == 2
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.waiting, status.running, status.done) == (2, 0, 1)
    assert run_tasks.task_view(alice_principal, run.uuid, half.number).percent == 100.0
    again = run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    assert (again.number, again.percent) == (half.number, 100.0)


def test_full_restart_requeues_everything_at_zero(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 2)
    task = run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    run_tasks.update_task(alice_principal, run.uuid, task.number, status=TaskfarmStatus.DONE)
    runs.restart_run(alice_principal, run.uuid, everything=True)
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.waiting, status.done, status.percent_done) == (2, 0, 0.0)
    assert AuditLog.select().where(AuditLog.action == 'run.restart').count() == 1


def test_delete_hides_the_run_at_once_and_leaves_the_purge_to_maintenance(alice_principal,
                                                                         worker_uuid):
    run = runs.create_run(alice_principal, 7)
    for _ in range(7):
        run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    other = runs.create_run(alice_principal, 1)
    run_tasks.claim_next(alice_principal, other.uuid, worker_uuid)
    runs.delete_run(alice_principal, run.uuid)
    with pytest.raises(NotFound):
        runs.run_status(alice_principal, run.uuid)
    assert Task.select().count() == 8  # the request did no more than hide it
    assert runs.purge_deleted_runs() == 1
    assert not Run.select().where(Run.uuid == run.uuid).exists()
    assert Task.select().count() == 1


def test_a_big_run_is_loaded_in_bounded_transactions_and_hidden_until_complete(
        alice_principal, monkeypatch):
    transactions = []
    write = runs.database.obj.write

    def counting_write():
        transactions.append(runs.list_runs(alice_principal))
        return write()

    monkeypatch.setattr(runs, 'INPUT_CHUNK', 3)
    monkeypatch.setattr(runs.database.obj, 'write', counting_write)
    lines = [f'line {n}' for n in range(8)]
    run = runs.create_run(alice_principal, 8, recipe=runs.Recipe(command=['echo', '{line}'],
                                                                  inputs=lines))
    assert len(transactions) == 4  # the run and 3 inputs, 3 more, 2 more, then shown
    assert all(seen == [] for seen in transactions)  # hidden from everyone while loading
    assert runs.task_inputs(run.id, list(range(8))) == dict(enumerate(lines))
    assert [uuid for _, uuid, _ in runs.list_runs(alice_principal)] == [run.uuid]
    assert AuditLog.select().where(AuditLog.action == 'run.create').count() == 1


def test_a_load_abandoned_by_a_dead_process_is_purged_after_an_hour(alice_principal):
    run = runs.create_run(alice_principal, 2, now=1000.0,
                          recipe=runs.Recipe(inputs=['a', 'b']))
    Run.update(loading=True).where(Run.id == run.id).execute()  # as if its process died
    assert runs.list_runs(alice_principal) == []
    assert runs.purge_deleted_runs(now=1000.0 + 60) == 0  # it may still be loading
    assert runs.purge_deleted_runs(now=1000.0 + runs.LOADING_ABANDONED_S + 1) == 1
    assert RunInput.select().count() == 0


def test_purging_removes_tasks_and_inputs_chunk_by_chunk_and_nothing_else(
        alice_principal, worker_uuid):
    sweep = runs.Recipe(command=['echo', '{line}'], inputs=[f'line {n}' for n in range(7)])
    run = runs.create_run(alice_principal, 7, recipe=sweep)
    kept = runs.create_run(alice_principal, 2, recipe=runs.Recipe(inputs=['a', 'b']))
    for _ in range(7):
        run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    runs.purge_run(run.id, chunk=3)
    assert not Run.select().where(Run.id == run.id).exists()
    assert [i.value for i in RunInput.select().order_by(RunInput.number)] == ['a', 'b']
    assert Task.select().count() == 0 and Run.get_by_id(kept.id)


def test_purge_finishes_a_deletion_that_was_interrupted(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 3)
    for _ in range(3):
        run_tasks.claim_next(alice_principal, run.uuid, worker_uuid)
    Run.update(deleting=True).where(Run.uuid == run.uuid).execute()
    assert runs.list_runs(alice_principal) == []
    assert runs.purge_deleted_runs() == 1
    assert Task.select().count() == 0


def test_worker_tokens_may_not_manage_runs(alice, alice_principal):
    run = runs.create_run(alice_principal, 1)
    worker = Principal(alice_principal.user_id, alice, alice_principal.project_id, Scope.WORKER)
    for attempt in (lambda: runs.create_run(worker, 1),
                    lambda: runs.restart_run(worker, run.uuid, True),
                    lambda: runs.delete_run(worker, run.uuid)):
        with pytest.raises(Forbidden):
            attempt()


def test_runs_of_another_project_are_invisible(alice_principal):
    run = runs.create_run(alice_principal, 1)
    users.add_user('bob', 'pw', project='elsewhere')
    bob = users.principal_for_password('bob', 'pw')
    assert runs.list_runs(bob) == []
    with pytest.raises(NotFound):
        runs.run_status(bob, run.uuid)
