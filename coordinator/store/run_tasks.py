"""The numbered tasks of a run: atomic claims, reads that never write, progress and status updates.

Every write locks the run row first (PostgreSQL: FOR UPDATE; SQLite: BEGIN
IMMEDIATE locks the file), so the run's counters and `next_number` change in the
same transaction as its tasks, and the lock order is always run, then task.
This is the stock client's hot path (four requests per task), so it is written
in SQL: building the same queries with peewee cost ~100 us each, ten times more
than running them.
"""

import dataclasses
import time

from coordinator.db import database, run_sql
from coordinator.errors import Conflict, NotFound
from coordinator.states import TaskfarmStatus, TaskState
from coordinator.store import audit
from coordinator.store.access import Principal
from coordinator.store.runs import RunRef, find_run


@dataclasses.dataclass(frozen=True, slots=True)
class TaskView:
    """A run task as the taskfarm API shows it; `id` is None for a task never touched."""

    id: int | None
    number: int
    percent: float
    state: TaskState


# how each taskfarm status name set by a PUT maps to a canonical state
_PUT_STATES = {
    TaskfarmStatus.WAITING: TaskState.QUEUED,
    TaskfarmStatus.COMPUTING: TaskState.RUNNING,
    TaskfarmStatus.DONE: TaskState.COMPLETE,
}

# which run counter holds tasks in each state (queued tasks are counted by difference)
_COUNTERS = {
    TaskState.RUNNING: 'running',
    TaskState.COMPLETE: 'done',
    TaskState.ERROR: 'failed',
    TaskState.KILLED: 'failed',
    TaskState.TIMEOUT: 'failed',
}

_QUEUED = TaskState.QUEUED.value
_RUNNING = TaskState.RUNNING.value


def claim_next(principal: Principal, run_uuid: str, worker_uuid: str,
               now: float | None = None) -> TaskView | None:
    """Hand the next task of a run to a worker, or None when none is waiting.

    Requeued tasks go first (lowest number), then the next never-claimed number.
    """
    now = time.time() if now is None else now
    worker_id = _worker_id(principal, worker_uuid)
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        task, next_number = _claim_queued(run, worker_id, now), run.next_number
        if task is None:
            task, next_number = _claim_fresh(run, worker_id, now)
        if task is not None or next_number != run.next_number:
            run_sql('UPDATE run SET next_number = ?, running_count = running_count + ? WHERE id = ?',
                    (next_number, int(task is not None), run.id))
    return task


def _worker_id(principal: Principal, worker_uuid: str) -> int:
    row = run_sql('SELECT id FROM worker WHERE uuid = ? AND (? OR project_id = ?)',
                  (worker_uuid, principal.is_admin, principal.project_id)).fetchone()
    if row is None:
        raise NotFound(f'no worker {worker_uuid}')
    return row[0]


def _claim_queued(run: RunRef, worker_id: int, now: float) -> TaskView | None:
    row = run_sql('SELECT id, number, percent FROM task WHERE run_id = ? AND status = ? '
                  'AND available_at <= ? ORDER BY number LIMIT 1', (run.id, _QUEUED, now)).fetchone()
    if row is None:
        return None
    task_id, number, percent = row
    claimed = run_sql('UPDATE task SET status = ?, worker_id = ?, attempt = attempt + 1, '
                      'started_at = ?, status_changed_at = ?, ended_at = NULL, exit_code = NULL '
                      'WHERE id = ? AND status = ?',
                      (_RUNNING, worker_id, now, now, task_id, _QUEUED)).rowcount
    if claimed != 1:  # cannot happen while the run row is locked; never hand out twice
        raise RuntimeError(f'task {task_id} changed under the run lock')
    return TaskView(task_id, number, percent, TaskState.RUNNING)


def _claim_fresh(run: RunRef, worker_id: int, now: float) -> tuple[TaskView | None, int]:
    number, row = run.next_number, None
    while row is None and number < run.num_tasks:
        # no row comes back when a PUT already created this number's task (it is not
        # queued, or the queued claim above would have taken it): skip that number
        row = run_sql('INSERT INTO task (project_id, run_id, number, status, priority, '
                      'available_at, attempt, worker_id, percent, created_at, queued_at, '
                      'started_at, status_changed_at) VALUES (?, ?, ?, ?, 0, 0, 1, ?, 0, ?, ?, ?, ?) '
                      'ON CONFLICT DO NOTHING RETURNING id',
                      (run.project_id, run.id, number, _RUNNING, worker_id, now, now, now, now)
                      ).fetchone()
        number += 1
    if row is None:
        return None, number
    return TaskView(row[0], number - 1, 0.0, TaskState.RUNNING), number


def task_view(principal: Principal, run_uuid: str, number: int) -> TaskView:
    """One task of a run; a task never touched reads as waiting at 0 % (and is not created)."""
    run = find_run(principal, run_uuid)
    _check_number(run, number)
    row = _task_row(run, number)
    if row is None:
        return TaskView(None, number, 0.0, TaskState.QUEUED)
    task_id, status, percent = row
    return TaskView(task_id, number, percent, TaskState(status))


def update_task(principal: Principal, run_uuid: str, number: int, *, percent: float | None = None,
                status: TaskfarmStatus | None = None, now: float | None = None) -> None:
    """Set a task's progress and/or taskfarm status; `done` means 100 %.

    Setting `waiting` (redo) or `computing` by hand is audited; a done task's
    progress changes only together with a new status.
    """
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        _check_number(run, number)
        task_id, old_status, old_percent = _task_row(run, number) or (None, _QUEUED, 0.0)
        old = TaskState(old_status)
        new = _PUT_STATES[status] if status else old
        if old is TaskState.COMPLETE and new is old and percent not in (None, 100.0):
            raise Conflict(f'task {number} is done; set its status to waiting to redo it')
        new_percent = _new_percent(old, new, old_percent, percent)
        fields = dict(percent=new_percent, **(_entering(new, now) if new is not old else {}))
        if task_id is None:
            _insert_task(run, number, now, {'queued_at': now, 'status': new.value, **fields})
        elif _update_task(task_id, old, fields) != 1:
            raise RuntimeError(f'task {task_id} changed under the run lock')
        _count(run.id, old, new, new_percent - old_percent)
        if status in (TaskfarmStatus.WAITING, TaskfarmStatus.COMPUTING) and new is not old:
            audit.record(principal, f'task.{status.value}', 'task', f'{run_uuid}/{number}',
                         now=now, was=old.value)


def _task_row(run: RunRef, number: int):
    return run_sql('SELECT id, status, percent FROM task WHERE run_id = ? AND number = ?',
                   (run.id, number)).fetchone()


def _insert_task(run: RunRef, number: int, now: float, fields: dict) -> None:
    columns = dict(project_id=run.project_id, run_id=run.id, number=number, priority=0,
                   available_at=0, attempt=0, created_at=now, **fields)
    run_sql(f'INSERT INTO task ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})',
            tuple(columns.values()))


def _update_task(task_id: int, old: TaskState, fields: dict) -> int:
    assignments = ', '.join(f'{column} = ?' for column in fields)
    return run_sql(f'UPDATE task SET {assignments} WHERE id = ? AND status = ?',
                   (*fields.values(), task_id, old.value)).rowcount


def _new_percent(old: TaskState, new: TaskState, old_percent: float, percent: float | None) -> float:
    """Done is 100 %; a task leaving done starts again from 0 unless told otherwise."""
    if new is TaskState.COMPLETE:
        return 100.0
    if percent is not None:
        return percent
    return 0.0 if old is TaskState.COMPLETE else old_percent


def _check_number(run: RunRef, number: int) -> None:
    if not 0 <= number < run.num_tasks:
        raise NotFound(f'task {number} is out of range: the run has tasks 0 to {run.num_tasks - 1}')


def _entering(state: TaskState, now: float) -> dict:
    """The columns that change when a person moves a task into `state`."""
    fields = dict(status=state.value, status_changed_at=now)
    if state is TaskState.QUEUED:
        fields.update(worker_id=None, queued_at=now, ended_at=None, lease_expires_at=None)
    elif state is TaskState.RUNNING:
        fields.update(started_at=now, ended_at=None)
    else:
        fields.update(ended_at=now)
    return fields


def _count(run_id: int, old: TaskState, new: TaskState, percent_delta: float) -> None:
    """Keep the run's counters in step with one task moving from `old` to `new`."""
    steps = dict.fromkeys(('running', 'done', 'failed'), 0)
    before, after = _COUNTERS.get(old), _COUNTERS.get(new)
    if before != after:
        if before:
            steps[before] -= 1
        if after:
            steps[after] += 1
    if percent_delta or any(steps.values()):
        run_sql('UPDATE run SET running_count = running_count + ?, done_count = done_count + ?, '
                'failed_count = failed_count + ?, percent_sum = percent_sum + ? WHERE id = ?',
                (steps['running'], steps['done'], steps['failed'], percent_delta, run_id))
