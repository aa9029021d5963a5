"""ndscheduler's executions: read one or a time window's, run a job now, cancel one.

An execution is a task an ndscheduler job queued (a fire or a run by hand); its id is the
task's id as 32 hex digits (`firing.execution_id`). While its job exists the task names
it; once the job is deleted the link is gone (SET NULL), and the task is still known as an
execution by its type, the built-in one of a Python job class (it takes no other work).
`scheduled_at` is when it was queued, as ndscheduler's `scheduled_time` is when its
execution row was added.
"""

import dataclasses
import time

from coordinator.db import database, pinned_index, run_sql
from coordinator.errors import Conflict, NotFound
from coordinator.models import QUEUED_CREATED_INDEX
from coordinator.states import OVERRIDES, TaskState, can_move
from coordinator.store import audit, firing, job_types, schedules
from coordinator.store.access import Principal, require_manager
from coordinator.store.moves import leaving_for
from coordinator.store.schedules import CronJobView

_COLUMNS = ('t.id, t.status, t.exit_code, w.hostname, w.pid, t.output, t.log_tail, t.msg, '
            't.created_at, t.status_changed_at, t.schedule_id, t.job_type_id')
# a project's executions: tasks of its ndscheduler jobs, or of a job class's type once their
# job is gone (a system type's task without a run is one)
_FROM = ('FROM task t{pin} JOIN job_type jt ON jt.id = t.job_type_id '
         'LEFT JOIN schedule s ON s.id = t.schedule_id '
         'LEFT JOIN worker w ON w.id = t.worker_id '
         'WHERE t.project_id = ? AND t.run_id IS NULL '
         "AND (s.family = 'ndscheduler' OR (t.schedule_id IS NULL AND jt.is_system))")


@dataclasses.dataclass(frozen=True, slots=True)
class ExecutionView:
    """One execution: its state, where it ran, what it gave, when, and its job (None once
    deleted)."""

    execution_id: str
    state: TaskState
    exit_code: int | None
    hostname: str | None
    pid: int | None
    output: str | None  # the task's output as JSON: {"result": ...} from a job class
    log_tail: str | None
    message: str | None
    scheduled_at: float
    updated_at: float | None
    job: CronJobView | None


def task_id_of(execution_id: str) -> int:
    """The task id an execution id stands for; NotFound for one that no execution can have."""
    try:
        task_id = int(execution_id, 16) if len(execution_id) == 32 else 0
    except ValueError:
        task_id = 0
    if not 0 < task_id < 2**63:
        raise NotFound(f'Execution not found: {execution_id[:64]}')
    return task_id


def get_execution(principal: Principal, execution_id: str) -> ExecutionView:
    """The execution `execution_id` of the caller's project, or NotFound."""
    row = run_sql(f'SELECT {_COLUMNS} {_FROM.format(pin="")} AND t.id = ?',
                  (principal.project_id, task_id_of(execution_id))).fetchone()
    if row is None:
        raise NotFound(f'Execution not found: {execution_id}')
    return _views([row])[0]


def list_executions(principal: Principal, start: float, end: float, offset: int = 0,
                    limit: int | None = None) -> list[ExecutionView]:
    """The project's executions queued within [start, end], the latest updated first."""
    page = '' if limit is None else ' LIMIT ? OFFSET ?'
    rows = run_sql(f'SELECT {_COLUMNS} {_FROM.format(pin=pinned_index(QUEUED_CREATED_INDEX))} '
                   'AND t.created_at BETWEEN ? AND ? '
                   f'ORDER BY t.status_changed_at DESC, t.id DESC{page}',
                   (principal.project_id, start, end,
                    *(() if limit is None else (limit, offset)))).fetchall()
    return _views(rows)


def run_now(principal: Principal, job_id: str, now: float | None = None) -> str:
    """Queue an execution of the job now (ndscheduler's custom run: paused or not, whatever
    its max_instances); its id. Audited as `custom_run`."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        job = firing.locked_job(principal.project_id, job_id)
        if job is None:
            raise NotFound(f'Job not found: {job_id}')
        if job.job_type_id is None:
            raise Conflict(f'job {job_id} names a job type that was deleted: modify it first')
        found = schedules.get_job(principal, job_id)
        execution_id = firing.execution_id(firing.enqueue(job, None, now))
        audit.record(principal, f'{schedules.OBJECT_TYPE}.custom_run', schedules.OBJECT_TYPE,
                     job_id, now=now, job_name=found.name, description=execution_id)
    return execution_id


def cancel(principal: Principal, execution_id: str, now: float | None = None) -> None:
    """Cancel a scheduled or running execution (its agent is told to stop it at its next
    heartbeat, and its result is refused); Conflict once it has finished."""
    require_manager(principal)
    now = time.time() if now is None else now
    task_id = task_id_of(execution_id)
    with database.write():
        lock = ' FOR UPDATE OF t' if database.for_update else ''
        row = run_sql(f'SELECT t.status, t.job_type_id {_FROM.format(pin="")} AND t.id = ?{lock}',
                      (principal.project_id, task_id)).fetchone()
        if row is None:
            raise NotFound(f'Execution not found: {execution_id}')
        old, type_id = TaskState(row[0]), row[1]
        if not can_move(old, TaskState.CANCELLED, OVERRIDES):
            raise Conflict(f'execution {execution_id} has already finished ({old.value})')
        leaving, olds = leaving_for(TaskState.CANCELLED, OVERRIDES)
        changed = run_sql(f'UPDATE task SET status = ?, status_changed_at = ?, ended_at = ? '
                          f'WHERE id = ? AND {leaving}',
                          (TaskState.CANCELLED.value, now, now, task_id, *olds)).rowcount
        if changed != 1:
            raise RuntimeError(f'task {task_id} changed under its lock')
        if old is TaskState.RUNNING:  # its place under the type's max_scheduled is free
            job_types.release_running({type_id: 1})
        audit.record(principal, 'execution.cancel', 'execution', execution_id, now=now,
                     was=old.value)


def _views(rows: list[tuple]) -> list[ExecutionView]:
    jobs = schedules.views_by_id({row[10] for row in rows if row[10] is not None})
    return [ExecutionView(firing.execution_id(task_id), TaskState(status), exit_code, hostname,
                          pid, output, log_tail, msg, created_at, changed_at,
                          jobs.get(schedule_id))
            for (task_id, status, exit_code, hostname, pid, output, log_tail, msg, created_at,
                 changed_at, schedule_id, _) in rows]
