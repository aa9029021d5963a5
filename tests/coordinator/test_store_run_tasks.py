"""Store: claims hand each task out once, reads never write, updates keep counters right."""

import multiprocessing

import pytest

from coordinator import db
from coordinator.errors import Conflict, NotFound
from coordinator.models import Task
from coordinator.states import TaskfarmStatus, TaskState
from coordinator.store import run_tasks, runs, workers


@pytest.fixture
def run_uuid(alice_principal, worker_uuid):
    return runs.create_run(alice_principal, 5).uuid


def claim(principal, run_uuid):
    return run_tasks.claim_next(principal, run_uuid, 'w-1')


def test_a_fresh_run_hands_out_tasks_in_order_then_nothing(alice_principal, run_uuid):
    numbers = [claim(alice_principal, run_uuid).number for _ in range(5)]
    assert numbers == [0, 1, 2, 3, 4]
    assert claim(alice_principal, run_uuid) is None


def test_a_requeued_task_is_handed_out_before_fresh_ones(alice_principal, run_uuid):
    claim(alice_principal, run_uuid)
    second = claim(alice_principal, run_uuid)
    run_tasks.update_task(alice_principal, run_uuid, second.number, status=TaskfarmStatus.WAITING)
    assert claim(alice_principal, run_uuid).number == second.number
    assert Task.get(Task.number == second.number).attempt == 2


def test_reading_a_task_never_creates_a_row(alice_principal, run_uuid):
    view = run_tasks.task_view(alice_principal, run_uuid, 3)
    assert (view.id, view.state, view.percent) == (None, TaskState.QUEUED, 0.0)
    assert Task.select().count() == 0


def test_a_put_ahead_of_the_claims_does_not_wedge_the_run(alice_principal, run_uuid):
    # the peer answers 500 for ever after this; here the touched task is simply skipped or served
    run_tasks.update_task(alice_principal, run_uuid, 3, status=TaskfarmStatus.DONE)
    run_tasks.update_task(alice_principal, run_uuid, 1, percent=30.0)
    handed = [claim(alice_principal, run_uuid) for _ in range(5)]
    assert [t.number for t in handed if t] == [1, 0, 2, 4]
    assert handed[0].percent == 30.0
    assert handed[-1] is None
    status = runs.run_status(alice_principal, run_uuid)
    assert (status.done, status.running, status.waiting) == (1, 4, 0)


def test_done_means_one_hundred_percent(alice_principal, run_uuid):
    task = claim(alice_principal, run_uuid)
    run_tasks.update_task(alice_principal, run_uuid, task.number, percent=40.0, status=TaskfarmStatus.DONE)
    assert run_tasks.task_view(alice_principal, run_uuid, task.number).percent == 100.0
    with pytest.raises(Conflict):
        run_tasks.update_task(alice_principal, run_uuid, task.number, percent=10.0)


def test_redoing_a_done_task_starts_from_zero(alice_principal, run_uuid):
    task = claim(alice_principal, run_uuid)
    run_tasks.update_task(alice_principal, run_uuid, task.number, status=TaskfarmStatus.DONE)
    run_tasks.update_task(alice_principal, run_uuid, task.number, status=TaskfarmStatus.WAITING)
    status = runs.run_status(alice_principal, run_uuid)
    assert (status.done, status.waiting, status.percent_done) == (0, 5, 0.0)


def test_task_numbers_outside_the_run_are_not_found(alice_principal, run_uuid):
    for number in (5, 10**30):
        with pytest.raises(NotFound):
            run_tasks.task_view(alice_principal, run_uuid, number)
        with pytest.raises(NotFound):
            run_tasks.update_task(alice_principal, run_uuid, number, percent=1.0)


def test_an_unknown_worker_cannot_claim(alice_principal, run_uuid):
    with pytest.raises(NotFound):
        run_tasks.claim_next(alice_principal, run_uuid, 'nobody')


def _claim_all(database_url, run_uuid, principal, worker_uuid, out):
    db.bind(db.open_database(database_url))
    got = []
    while (task := run_tasks.claim_next(principal, run_uuid, worker_uuid)) is not None:
        got.append(task.number)
    out.put(got)


def test_concurrent_processes_never_claim_the_same_task(database_url, alice_principal):
    run_uuid = runs.create_run(alice_principal, 400).uuid
    for i in range(6):
        workers.register_worker(alice_principal, f'p-{i}', 'node', i)
    db.database.close()  # no connection crosses the fork
    out = multiprocessing.get_context('fork').Queue()
    procs = [multiprocessing.get_context('fork').Process(
        target=_claim_all, args=(database_url, run_uuid, alice_principal, f'p-{i}', out))
        for i in range(6)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    numbers = sorted(n for got in results for n in got)
    assert numbers == list(range(400))
    assert runs.run_status(alice_principal, run_uuid).running == 400
