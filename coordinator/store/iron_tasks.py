"""IronWorker tasks: queued work of code packages, queued in bulk, listed, read, cancelled,
retried, and given progress by whoever runs them.

A task is a row of `task` with no run, of a job type of version `code_packages.VERSION`.
Queueing any number of tasks of any code packages is one transaction of set-based
INSERTs (`queue.insert`); each takes its package's retry policy and the revision of the
moment. A task with no timeout of its own takes its package's, and the maximum when the
package has none, so that every task an agent runs has a limit it enforces.
"""

import collections
import dataclasses
import time

from coordinator.db import database, pinned_index, run_sql
from coordinator.errors import Conflict, NotFound
from coordinator.models import LABEL_INDEX, QUEUED_CREATED_INDEX, JobType
from coordinator.states import OVERRIDES, TaskState
from coordinator.store import audit, job_types, queue
from coordinator.store.access import Principal, require_manager
from coordinator.store.code_packages import VERSION
from coordinator.store.id_lists import marks
from coordinator.store.moves import leaving_for
from coordinator.store.queue import Order

MAX_TIMEOUT_S = 24 * 3600  # the longest a task may run; IronWorker's Enterprise maximum


@dataclasses.dataclass(frozen=True, slots=True)
class TaskView:
    """A code package's task as IronWorker shows it."""

    id: int
    code_id: int
    code_name: str
    revision_id: int | None
    rev: int | None
    state: TaskState
    created_at: float
    status_changed_at: float | None
    started_at: float | None
    ended_at: float | None
    timeout_s: int | None
    payload: str | None
    priority: int
    percent: float
    msg: str | None
    label: str | None
    schedule_public_id: str | None
    attempt: int
    failed_tries: int
    available_at: float


@dataclasses.dataclass(frozen=True)
class TaskFilters:
    """Which tasks a list holds: any of `states` (all when empty), of the code package named,
    created in [from_time, to_time], with the label given."""

    states: tuple[TaskState, ...] = ()
    code_name: str | None = None
    from_time: float | None = None
    to_time: float | None = None
    label: str | None = None


def queue_tasks(principal: Principal, orders: list[tuple[str, Order]],
                now: float | None = None) -> list[int]:
    """Queue (code name, order) pairs in one transaction; the new tasks' ids, in order.

    An unknown or deleted code package is NotFound and queues nothing; a paused one takes
    tasks, which wait until it is resumed.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    by_code = collections.defaultdict(list)  # code name -> [(position, order)]
    for position, (name, order) in enumerate(orders):
        by_code[name].append((position, order))
    ids = [0] * len(orders)
    with database.write():
        for name, placed in by_code.items():
            code = _live_code(principal, name)
            new = queue.insert(principal.project_id, code, _latest_revision(code),
                               [_bounded(order, code) for _, order in placed], now)
            for (position, _), task_id in zip(placed, new):
                ids[position] = task_id
    return ids


def queue_firing(project_id: int, code_id: int, order: Order, fired: tuple[int, float],
                 now: float) -> int | None:
    """Queue the task of a schedule's firing `fired` (schedule, fire time) inside the
    caller's transaction, as `queue_tasks` would; its id, or None when that fire time
    already has its task or the code package was deleted."""
    code = JobType.get_or_none(JobType.id == code_id, JobType.is_active)
    if code is None:
        return None
    new = queue.insert(project_id, code, _latest_revision(code), [_bounded(order, code)], now,
                       fired=fired)
    return new[0] if new else None


def _live_code(principal: Principal, name: str) -> JobType:
    code = JobType.get_or_none(JobType.project == principal.project_id, JobType.name == name,
                               JobType.version == VERSION, JobType.is_active)
    if code is None:
        raise NotFound(f'no code package {name!r} in this project')
    return code


def _latest_revision(code: JobType) -> int:
    (revision_id,) = run_sql('SELECT id FROM job_type_revision WHERE job_type_id = ? '
                             'AND revision_num = ?', (code.id, code.revision_num)).fetchone()
    return revision_id


def _bounded(order: Order, code: JobType) -> Order:
    """The order with a timeout: its own, else its package's, else the maximum."""
    if order.timeout_s is not None:
        return order
    return dataclasses.replace(order, timeout_s=code.timeout_s or MAX_TIMEOUT_S)


_COLUMNS = ('t.id, jt.id, jt.name, t.job_type_revision_id, r.revision_num, t.status, '
            't.created_at, t.status_changed_at, t.started_at, t.ended_at, t.timeout_s, '
            't.payload, t.priority, t.percent, t.msg, t.label, s.public_id, t.attempt, '
            't.failed_tries, t.available_at')
_FROM = ('FROM task t{pin} JOIN job_type jt ON jt.id = t.job_type_id '
         'LEFT JOIN job_type_revision r ON r.id = t.job_type_revision_id '
         'LEFT JOIN schedule s ON s.id = t.schedule_id '
         'WHERE t.project_id = ? AND t.run_id IS NULL AND jt.version = ?')


def task(principal: Principal, task_id: int) -> TaskView:
    """The code package task `task_id` of the caller's project, or NotFound."""
    row = run_sql(f'SELECT {_COLUMNS} {_FROM.format(pin="")} AND t.id = ?',
                  (principal.project_id, VERSION, task_id)).fetchone()
    if row is None:
        raise NotFound('no such task in this project')
    return _view(row)


def list_tasks(principal: Principal, filters: TaskFilters, offset: int,
               limit: int) -> list[TaskView]:
    """A page of the project's code package tasks that match `filters`, newest first."""
    where, params = '', [principal.project_id, VERSION]
    if filters.states:
        states = tuple(dict.fromkeys(state.value for state in filters.states))
        where += f' AND t.status IN ({marks(states)})'
        params += states
    if filters.code_name is not None:
        where += (' AND t.job_type_id = (SELECT id FROM job_type WHERE project_id = ? '
                  'AND name = ? AND version = ?)')
        params += [principal.project_id, filters.code_name, VERSION]
    for condition, value in ((' AND t.created_at >= ?', filters.from_time),
                             (' AND t.created_at <= ?', filters.to_time),
                             (' AND t.label = ?', filters.label)):
        if value is not None:
            where += condition
            params.append(value)
    # newest first by creation, the order of the indexes of queued work by time and by label
    pin = pinned_index(LABEL_INDEX if filters.label is not None else QUEUED_CREATED_INDEX)
    rows = run_sql(f'SELECT {_COLUMNS} {_FROM.format(pin=pin)}{where} '
                   'ORDER BY t.created_at DESC, t.id DESC LIMIT ? OFFSET ?',
                   (*params, limit, offset)).fetchall()
    return [_view(row) for row in rows]


def log(principal: Principal, task_id: int) -> str:
    """What the task printed (up to the coordinator's cap, `task_logs`); NotFound while it
    has none."""
    task(principal, task_id)
    (tail,) = run_sql('SELECT log_tail FROM task WHERE id = ?', (task_id,)).fetchone()
    if tail is None:
        raise NotFound('the task has no log yet')
    return tail


def cancel(principal: Principal, task_id: int, now: float | None = None) -> None:
    """A person cancels a queued or running task; a finished one is a Conflict.

    A running task's agent learns at its next heartbeat that the task is no longer its
    own and stops it (its result is then refused), as a run's cancelled tasks are; its
    type's running count drops in the same transaction.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        found = _locked(principal, task_id)
        if found.state.is_final:
            raise Conflict(f'the task has already finished ({found.state.value})')
        leaving, olds = leaving_for(TaskState.CANCELLED, OVERRIDES)
        moved = run_sql('UPDATE task SET status = ?, status_changed_at = ?, ended_at = ? '
                        f'WHERE id = ? AND status = ? AND {leaving}',
                        (TaskState.CANCELLED.value, now, now, task_id, found.state.value,
                         *olds)).rowcount
        if moved != 1:
            raise RuntimeError(f'task {task_id} changed under its lock')
        if found.state is TaskState.RUNNING:
            job_types.release_running({found.code_id: 1})
        audit.record(principal, 'task.cancel', 'task', task_id, now=now,
                     was=found.state.value)


def set_progress(principal: Principal, task_id: int, percent: int | None,
                 msg: str | None) -> None:
    """Set a task's percent and/or message (what its code says of itself); its state stays."""
    task(principal, task_id)
    fields = {key: value for key, value in (('percent', percent), ('msg', msg))
              if value is not None}
    if not fields:
        return
    with database.write():
        run_sql(f'UPDATE task SET {", ".join(f"{key} = ?" for key in fields)} WHERE id = ?',
                (*fields.values(), task_id))


def retry(principal: Principal, task_id: int, delay_s: float,
          now: float | None = None) -> int:
    """Queue a finished task again as a new task (same code revision, payload, priority,
    timeout and label), after `delay_s`; its id. An unfinished one is a Conflict."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        found = _locked(principal, task_id)
        if not found.state.is_final:
            raise Conflict(f'the task is {found.state.value}: only a finished task is retried')
        code = JobType.get_by_id(found.code_id)
        if not code.is_active:
            raise NotFound(f'code package {code.name!r} was deleted')
        revision_id = found.revision_id or _latest_revision(code)
        (new_id,) = queue.insert(principal.project_id, code, revision_id, [Order(
            payload=found.payload, priority=found.priority, delay_s=delay_s,
            timeout_s=found.timeout_s, label=found.label)], now)
        audit.record(principal, 'task.retry', 'task', task_id, now=now, new=new_id)
    return new_id


def _locked(principal: Principal, task_id: int) -> TaskView:
    """The task, its row locked for a change (PostgreSQL; SQLite's write lock is the file's)."""
    # its own statement: PostgreSQL locks no row of the outer joins' nullable side
    run_sql('SELECT id FROM task WHERE id = ? FOR UPDATE', (task_id,))
    return task(principal, task_id)


def _view(row: tuple) -> TaskView:
    values = list(row)
    values[5] = TaskState(values[5])
    return TaskView(*values)

