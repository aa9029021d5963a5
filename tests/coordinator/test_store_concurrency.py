"""Store under mixed concurrent load: counters stay exact and nothing deadlocks, on both backends."""

import multiprocessing
import random

import pytest

from coordinator import db
from coordinator.errors import Conflict
from coordinator.models import Run, Task
from coordinator.states import TaskfarmStatus, TaskState
from coordinator.store import run_tasks, runs, workers

pytestmark = pytest.mark.timeout(180)

PROCESSES = 4
STEPS = 500
TASKS = 60


def _churn(database_url, principal, run_uuid, index, out):
    """Random claims, progress, done, redo, reads and partial restarts, as fast as possible."""
    db.bind(db.open_database(database_url))
    rng = random.Random(index)
    worker_uuid = f'churn-{index}'
    errors = []
    for _ in range(STEPS):
        number = rng.randrange(TASKS)
        try:
            action = rng.choice(('claim', 'claim', 'percent', 'done', 'redo', 'read', 'restart'))
            if action == 'claim':
                run_tasks.claim_next(principal, run_uuid, worker_uuid)
            elif action == 'percent':
                run_tasks.update_task(principal, run_uuid, number, percent=rng.uniform(0, 100))
            elif action == 'done':
                run_tasks.update_task(principal, run_uuid, number, status=TaskfarmStatus.DONE)
            elif action == 'redo':
                run_tasks.update_task(principal, run_uuid, number, status=TaskfarmStatus.WAITING)
            elif action == 'read':
                run_tasks.task_view(principal, run_uuid, number)
            else:
                runs.restart_run(principal, run_uuid, everything=False)
        except Conflict:
            pass  # progress on a done task: refused by design
        except Exception as exc:  # a deadlock or lock timeout would land here
            errors.append(f'{action}: {type(exc).__name__}: {exc}')
    out.put(errors)


def test_counters_stay_exact_under_mixed_concurrent_load(database_url, alice_principal):
    run_uuid = runs.create_run(alice_principal, TASKS).uuid
    for index in range(PROCESSES):
        workers.register_worker(alice_principal, f'churn-{index}', 'node', index)
    db.database.close()
    ctx = multiprocessing.get_context('fork')
    out = ctx.Queue()
    procs = [ctx.Process(target=_churn, args=(database_url, alice_principal, run_uuid, i, out))
             for i in range(PROCESSES)]
    for proc in procs:
        proc.start()
    errors = [e for _ in procs for e in out.get(timeout=150)]
    for proc in procs:
        proc.join(timeout=30)
    assert errors == []

    run = Run.get(Run.uuid == run_uuid)
    tasks = list(Task.select().where(Task.run == run.id))
    by_state = {state: sum(1 for t in tasks if t.status == state.value) for state in TaskState}
    assert run.running_count == by_state[TaskState.RUNNING]
    assert run.done_count == by_state[TaskState.COMPLETE]
    assert run.percent_sum == pytest.approx(sum(t.percent for t in tasks), abs=1e-6)
    assert all(t.percent == 100.0 for t in tasks if t.status == TaskState.COMPLETE.value)
    assert len({t.number for t in tasks}) == len(tasks) and run.next_number <= TASKS
