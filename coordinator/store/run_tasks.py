"""The numbered tasks of a run: atomic claims, reads that never write, progress and status updates.

Every write locks the run row first (PostgreSQL: FOR UPDATE; SQLite: BEGIN
IMMEDIATE locks the file), so the run's counters and `next_number` change in the
same transaction as its tasks, and the lock order is always run, then task.
This is the stock client's hot path (four requests per task), so it is written
in SQL: building the same queries with peewee cost ~100 us each, ten times more
than running them. Claims live in `dispatch`, shared with the farmworker protocol.
"""

import time

from coordinator.db import database, run_sql
from coordinator.errors import Conflict
from coordinator.metrics import instruments
from coordinator.states import OVERRIDES, TaskfarmStatus, TaskState, can_move
from coordinator.store import audit
from coordinator.store.access import Principal, require_manager
from coordinator.store.counters import RunCounters
from coordinator.store import dispatch
from coordinator.store.dispatch import TaskView
from coordinator.store.runs import RunRef, find_run_task


# how each taskfarm status name set by a PUT maps to a canonical state
_PUT_STATES = {
    TaskfarmStatus.WAITING: TaskState.QUEUED,
    TaskfarmStatus.COMPUTING: TaskState.RUNNING,
    TaskfarmStatus.DONE: TaskState.COMPLETE,
}

_QUEUED = TaskState.QUEUED.value


def claim_next(principal: Principal, run_uuid: str, worker_uuid: str,
               now: float | None = None) -> TaskView | None:
    """Hand the next task of a run to a worker (taskfarm's claim), or None when none is waiting."""
    claimed = dispatch.claim_tasks(principal, run_uuid, worker_uuid, 1, now)
    return claimed[0] if claimed else None


def task_view(principal: Principal, run_uuid: str, number: int) -> TaskView:
    """One task of a run; a task never touched reads as waiting at 0 % (and is not created)."""
    _, row = find_run_task(principal, run_uuid, number)
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
        run, task_id, old, old_percent = _locked_task(principal, run_uuid, number)
        new = _PUT_STATES[status] if status else old
        if new is not old and not can_move(old, new, OVERRIDES):
            raise Conflict(f'task {number} is {old.value}; it cannot be set {status.value}')
        if old is TaskState.COMPLETE and new is old and percent not in (None, 100.0):
            raise Conflict(f'task {number} is done; set its status to waiting to redo it')
        new_percent = _new_percent(old, new, old_percent, percent)
        fields = dict(percent=new_percent, **(_entering(new, now) if new is not old else {}))
        _write_task(run, number, task_id, old, new, fields, now, new_percent - old_percent)
        _count_report(old, new)
        if status in (TaskfarmStatus.WAITING, TaskfarmStatus.COMPUTING) and new is not old:
            audit.record(principal, f'task.{status.value}', 'task', f'{run_uuid}/{number}',
                         now=now, was=old.value)


def _count_report(old: TaskState, new: TaskState) -> None:
    """Count what the stock client reports as agents' results are counted: a running task
    done, or its progress (a person's redo or a hand-set computing is not a result)."""
    if old is TaskState.RUNNING and new in (TaskState.RUNNING, TaskState.COMPLETE):
        instruments.reported(new.value)


def cancel_task(principal: Principal, run_uuid: str, number: int,
                now: float | None = None) -> None:
    """A person cancels one task: waiting or running, it is cancelled; a finished one is a Conflict.

    An agent running it learns so at its next heartbeat and stops it; its result is refused.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        run, task_id, old, _ = _locked_task(principal, run_uuid, number)
        if not can_move(old, TaskState.CANCELLED, OVERRIDES):
            raise Conflict(f'task {number} has already finished ({old.value})')
        _write_task(run, number, task_id, old, TaskState.CANCELLED,
                    _entering(TaskState.CANCELLED, now), now)
        audit.record(principal, 'task.cancel', 'task', f'{run_uuid}/{number}', now=now,
                     was=old.value)


def _locked_task(principal: Principal, run_uuid: str,
                 number: int) -> tuple[RunRef, int | None, TaskState, float]:
    """(run, task id or None when never touched, state, percent), the run locked for a change."""
    run, row = find_run_task(principal, run_uuid, number, lock=True)
    task_id, status, percent = row or (None, _QUEUED, 0.0)
    return run, task_id, TaskState(status), percent


def _write_task(run: RunRef, number: int, task_id: int | None, old: TaskState, new: TaskState,
                fields: dict, now: float, percent_delta: float = 0.0) -> None:
    """A person's change to one task (its row created if it was never touched), and its count."""
    if task_id is None:
        _insert_task(run, number, now, {'queued_at': now, 'status': new.value, 'percent': 0.0,
                                        **fields})
    elif _update_task(task_id, old, fields) != 1:
        raise RuntimeError(f'task {task_id} changed under the run lock')
    counters = RunCounters(run.id, now)
    counters.move(old, new, percent_delta)
    counters.save()


def _insert_task(run: RunRef, number: int, now: float, fields: dict) -> None:
    columns = dict(project_id=run.project_id, run_id=run.id, job_type_id=run.job_type_id,
                   number=number, priority=0,
                   available_at=0, attempt=0, failed_tries=0, created_at=now, **fields)
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


def _entering(state: TaskState, now: float) -> dict:
    """The columns that change when a person moves a task into `state`."""
    fields = dict(status=state.value, status_changed_at=now)
    if state is TaskState.QUEUED:
        fields.update(worker_id=None, queued_at=now, ended_at=None)
    elif state is TaskState.RUNNING:
        fields.update(started_at=now, ended_at=None)
    else:
        fields.update(ended_at=now)
    return fields
