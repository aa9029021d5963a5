"""The tasks of a run as people look at them: pages filtered by status, and one task in detail.

Tasks never handed out have no row; they are listed as waiting (cancelled, once
the run is) with attempt 0, so a page is the same whether a row exists or not.
"""

import dataclasses

from coordinator.db import run_sql
from coordinator.states import TaskState
from coordinator.store.access import Principal
from coordinator.store.runs import check_number, find_run, task_inputs

# the five statuses people filter by, and the task states each one covers
VIEW_STATES = {
    'waiting': (TaskState.QUEUED,),
    'running': (TaskState.RUNNING,),
    'done': (TaskState.COMPLETE,),
    'failed': (TaskState.ERROR, TaskState.KILLED, TaskState.TIMEOUT),
    'cancelled': (TaskState.CANCELLED,),
}
VIEW_NAME = {state.value: name for name, states in VIEW_STATES.items() for state in states}

_COLUMNS = ('t.number, t.status, t.attempt, t.failed_tries, w.uuid, w.hostname, t.percent, '
            't.started_at, t.ended_at, t.exit_code, t.msg, i.value')
_FROM = ('FROM task t LEFT JOIN worker w ON w.id = t.worker_id '
         'LEFT JOIN run_input i ON i.run_id = t.run_id AND i.number = t.number')


@dataclasses.dataclass(frozen=True, slots=True)
class TaskDetail:
    """One task of a run; `log_tail` and `error_category` are filled for a single-task read."""

    number: int
    status: str
    attempt: int = 0
    failed_tries: int = 0
    worker: str | None = None
    hostname: str | None = None
    percent: float = 0.0
    started_at: float | None = None
    ended_at: float | None = None
    exit_code: int | None = None
    msg: str | None = None
    input: str | None = None
    log_tail: str | None = None
    error_category: str | None = None

    def duration_s(self, now: float) -> float | None:
        """How long it ran, or has been running; None before it started."""
        if self.started_at is None or self.status == 'waiting':
            return None
        return (self.ended_at or now) - self.started_at


def _from_row(row, *extra) -> TaskDetail:
    number, status, *rest = row
    return TaskDetail(number, VIEW_NAME[status], *rest, *extra)


def list_tasks(principal: Principal, run_uuid: str, status: str | None, after: int,
               limit: int) -> tuple[list[TaskDetail], int | None]:
    """Tasks numbered above `after`, in order, and the cursor of the next page (None at the end)."""
    run = find_run(principal, run_uuid)
    condition, params = '', ()
    if status is not None:
        values = [state.value for state in VIEW_STATES[status]]
        condition, params = f' AND t.status IN ({", ".join("?" * len(values))})', tuple(values)
    rows = run_sql(f'SELECT {_COLUMNS} {_FROM} WHERE t.run_id = ? AND t.number > ?{condition} '
                   'ORDER BY t.number LIMIT ?', (run.id, after, *params, limit)).fetchall()
    page = [_from_row(row) for row in rows]
    untouched = 'cancelled' if run.cancelled_at is not None else 'waiting'
    start = max(after + 1, run.next_number)
    if status not in (None, untouched) or start >= run.num_tasks:
        return page, (page[-1].number if len(page) == limit else None)
    # numbers from next_number on have no row unless a taskfarm PUT made one: fill in the rest
    horizon = min(start + limit, run.num_tasks)
    with_rows = {n for (n,) in run_sql('SELECT number FROM task WHERE run_id = ? AND number >= ? '
                                       'AND number < ?', (run.id, start, horizon)).fetchall()}
    page += [TaskDetail(n, untouched) for n in range(start, horizon) if n not in with_rows]
    page = sorted((t for t in page if t.number < horizon), key=lambda t: t.number)[:limit]
    _fill_inputs(run.id, page)
    if len(page) == limit:
        return page, page[-1].number
    return page, (horizon - 1 if horizon < run.num_tasks else None)


def _fill_inputs(run_id: int, page: list[TaskDetail]) -> None:
    """Inputs of the untouched tasks of a page (rows got theirs from the join)."""
    inputs = task_inputs(run_id, [t.number for t in page if t.input is None])
    page[:] = [dataclasses.replace(t, input=inputs[t.number]) if t.number in inputs else t
               for t in page]


def task_detail(principal: Principal, run_uuid: str, number: int) -> TaskDetail:
    """One task with its log tail; a task never handed out reads as waiting (nothing is created)."""
    run = find_run(principal, run_uuid)
    check_number(run, number)
    row = run_sql(f'SELECT {_COLUMNS}, t.log_tail, t.error_category {_FROM} '
                  'WHERE t.run_id = ? AND t.number = ?', (run.id, number)).fetchone()
    if row is not None:
        return _from_row(row)
    page = [TaskDetail(number, 'cancelled' if run.cancelled_at is not None else 'waiting')]
    _fill_inputs(run.id, page)
    return page[0]

