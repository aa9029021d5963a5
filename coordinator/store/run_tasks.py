"""The numbered tasks of a run: atomic claims, reads that never write, progress and status updates.

Every write locks the run row first (PostgreSQL: FOR UPDATE; SQLite: BEGIN
IMMEDIATE locks the file), so the run's counters and `next_number` change in the
same transaction as its tasks, and lock order is always run then task.
"""

import dataclasses
import time

from coordinator.db import database
from coordinator.errors import Conflict, NotFound
from coordinator.models import Run, Task, Worker
from coordinator.states import TaskState, TaskfarmStatus
from coordinator.store import audit
from coordinator.store.access import Principal
from coordinator.store.runs import find_run


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

_COUNTERS = {
    TaskState.RUNNING: 'running_count',
    TaskState.COMPLETE: 'done_count',
    TaskState.ERROR: 'failed_count',
    TaskState.KILLED: 'failed_count',
    TaskState.TIMEOUT: 'failed_count',
}


def claim_next(principal: Principal, run_uuid: str, worker_uuid: str,
               now: float | None = None) -> TaskView | None:
    """Hand the next task of a run to a worker, or None when none is waiting.

    Requeued tasks go first (lowest number), then the next never-claimed number.
    """
    now = time.time() if now is None else now
    worker_id = _worker_id(principal, worker_uuid)
    with database.write():
        run = find_run(principal, run_uuid, Run.id, Run.num_tasks, Run.next_number, lock=True)
        task, next_number = _claim_queued(run.id, worker_id, now), run.next_number
        if task is None:
            task, next_number = _claim_fresh(run, principal, worker_id, now)
        if task is not None or next_number != run.next_number:
            (Run.update(next_number=next_number,
                        running_count=Run.running_count + (task is not None))
             .where(Run.id == run.id).execute())
    return task


def _worker_id(principal: Principal, worker_uuid: str) -> int:
    query = Worker.select(Worker.id).where(Worker.uuid == worker_uuid)
    if not principal.is_admin:
        query = query.where(Worker.project == principal.project_id)
    row = query.tuples().first()
    if row is None:
        raise NotFound(f'no worker {worker_uuid}')
    return row[0]


def _running(worker_id: int, now: float, attempt) -> dict:
    return dict(status=TaskState.RUNNING.value, worker=worker_id, attempt=attempt,
                started_at=now, status_changed_at=now, ended_at=None, exit_code=None)


def _claim_queued(run_id: int, worker_id: int, now: float) -> TaskView | None:
    row = (Task.select(Task.id, Task.number, Task.percent)
           .where((Task.run == run_id) & (Task.status == TaskState.QUEUED.value)
                  & (Task.available_at <= now))
           .order_by(Task.number).limit(1).tuples().first())
    if row is None:
        return None
    task_id, number, percent = row
    claimed = (Task.update(**_running(worker_id, now, Task.attempt + 1))
               .where((Task.id == task_id) & (Task.status == TaskState.QUEUED.value)).execute())
    if claimed != 1:  # cannot happen while the run row is locked; never hand out twice
        raise RuntimeError(f'task {task_id} changed under the run lock')
    return TaskView(task_id, number, percent, TaskState.RUNNING)


def _claim_fresh(run: Run, principal: Principal, worker_id: int,
                 now: float) -> tuple[TaskView | None, int]:
    number, task_id = run.next_number, None
    while task_id is None and number < run.num_tasks:
        # None when a PUT already created this number's row (it is not queued): skip it
        task_id = (Task.insert(project=principal.project_id, run=run.id, number=number,
                               created_at=now, queued_at=now, **_running(worker_id, now, 1))
                   .on_conflict_ignore().execute())
        number += 1
    if task_id is None:
        return None, number
    return TaskView(task_id, number - 1, 0.0, TaskState.RUNNING), number


def task_view(principal: Principal, run_uuid: str, number: int) -> TaskView:
    """One task of a run; a task never touched reads as waiting at 0 % (and is not created)."""
    run = find_run(principal, run_uuid, Run.id, Run.num_tasks)
    _check_number(run, number)
    row = (Task.select(Task.id, Task.percent, Task.status)
           .where((Task.run == run.id) & (Task.number == number)).tuples().first())
    if row is None:
        return TaskView(None, number, 0.0, TaskState.QUEUED)
    task_id, percent, status = row
    return TaskView(task_id, number, percent, TaskState(status))


def update_task(principal: Principal, run_uuid: str, number: int, *, percent: float | None = None,
                status: TaskfarmStatus | None = None, now: float | None = None) -> None:
    """Set a task's progress and/or taskfarm status; `done` means 100 %.

    Setting `waiting` (redo) or `computing` by hand is audited; a done task's
    progress changes only together with a new status.
    """
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, Run.id, Run.num_tasks, Run.project, lock=True)
        _check_number(run, number)
        row = (Task.select(Task.id, Task.status, Task.percent)
               .where((Task.run == run.id) & (Task.number == number)).tuples().first())
        task_id, old_status, old_percent = row or (None, TaskState.QUEUED.value, 0.0)
        old = TaskState(old_status)
        new = _PUT_STATES[status] if status else old
        if old is TaskState.COMPLETE and new is old and percent not in (None, 100.0):
            raise Conflict(f'task {number} is done; set its status to waiting to redo it')
        new_percent = _new_percent(old, new, old_percent, percent)
        fields = dict(percent=new_percent, **(_entering(new, now) if new is not old else {}))
        if task_id is None:
            Task.insert(project=run.project_id, run=run.id, number=number, created_at=now,
                        **{'queued_at': now, 'status': new.value, **fields}).execute()
        elif Task.update(**fields).where((Task.id == task_id) & (Task.status == old.value)).execute() != 1:
            raise RuntimeError(f'task {task_id} changed under the run lock')
        _count(run.id, old, new, new_percent - old_percent)
        if status in (TaskfarmStatus.WAITING, TaskfarmStatus.COMPUTING) and new is not old:
            audit.record(principal, f'task.{status.value}', 'task', f'{run_uuid}/{number}',
                         now=now, was=old.value)


def _new_percent(old: TaskState, new: TaskState, old_percent: float, percent: float | None) -> float:
    """Done is 100 %; a task leaving done starts again from 0 unless told otherwise."""
    if new is TaskState.COMPLETE:
        return 100.0
    if percent is not None:
        return percent
    return 0.0 if old is TaskState.COMPLETE else old_percent


def _check_number(run: Run, number: int) -> None:
    if not 0 <= number < run.num_tasks:
        raise NotFound(f'task {number} is out of range: the run has tasks 0 to {run.num_tasks - 1}')


def _entering(state: TaskState, now: float) -> dict:
    """The columns that change when a person moves a task into `state`."""
    fields = dict(status=state.value, status_changed_at=now)
    if state is TaskState.QUEUED:
        fields.update(worker=None, queued_at=now, ended_at=None, lease_expires_at=None)
    elif state is TaskState.RUNNING:
        fields.update(started_at=now, ended_at=None)
    else:
        fields.update(ended_at=now)
    return fields


def _count(run_id: int, old: TaskState, new: TaskState, percent_delta: float) -> None:
    """Keep the run's counters in step with one task moving from `old` to `new`."""
    changes = {}
    if percent_delta:
        changes['percent_sum'] = Run.percent_sum + percent_delta
    before, after = _COUNTERS.get(old), _COUNTERS.get(new)
    if before != after:
        for column, step in ((before, -1), (after, +1)):
            if column:
                changes[column] = getattr(Run, column) + step
    if changes:
        Run.update(**changes).where(Run.id == run_id).execute()
