"""Workers as people look at them: a page of a project's workers with the tasks each one runs."""

import dataclasses
from typing import NamedTuple

from coordinator.db import run_sql
from coordinator.states import WORKER_GONE, TaskState, WorkerState
from coordinator.store.access import Principal

ALIVE = (WorkerState.IDLE, WorkerState.BUSY, WorkerState.DRAINING)
GONE = WORKER_GONE
_COLUMNS = ('id, uuid, hostname, pid, slots, cpus, memory_bytes, load, state, reason, '
            'slurm_job_id, walltime_end_at, last_heartbeat_at, created_at')


class Held(NamedTuple):
    """A task a worker runs now; queued work has no run or number."""

    run: str | None  # the run's uuid
    number: int | None
    attempt: int
    id: int


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerView:
    id: int
    uuid: str
    hostname: str
    pid: int
    slots: int
    cpus: int | None
    memory_bytes: int | None
    load: float | None
    state: str
    reason: str | None
    slurm_job_id: str | None
    walltime_end_at: float | None
    last_heartbeat_at: float | None
    created_at: float
    tasks: tuple[Held, ...] = ()  # what it runs now
    allocation: str | None = None  # the allocation queue whose Slurm job started it


def visible(principal: Principal) -> tuple[str, list]:
    """A condition on the worker table, with its parameters: the workers `principal` sees.

    Those of its project (every project's, for admins); for a token bound to one
    run, only those registered with a token bound to that same run.
    """
    # the CAST says the type where a prepared statement could not guess it (db.run_write)
    return ('(? OR worker.project_id = ?) AND (CAST(? AS INTEGER) IS NULL '
            'OR worker.bound_run_id = ?)',
            [principal.is_admin, principal.project_id, principal.run_id, principal.run_id])


def list_workers(principal: Principal, states: tuple[WorkerState, ...] | None, limit: int,
                 offset: int) -> tuple[int, list[WorkerView]]:
    """(how many match, a page of them): alive ones first, then newest first."""
    where, params = visible(principal)
    if states is not None:
        where += f' AND state IN ({", ".join("?" * len(states))})'
        params += [state.value for state in states]
    (total,) = run_sql(f'SELECT COUNT(*) FROM worker WHERE {where}', params).fetchone()
    gone = ', '.join(f"'{state.value}'" for state in GONE)
    rows = run_sql(f'SELECT {_COLUMNS} FROM worker WHERE {where} '
                   f'ORDER BY CASE WHEN state IN ({gone}) THEN 1 ELSE 0 END, id DESC '
                   'LIMIT ? OFFSET ?', (*params, limit, offset)).fetchall()
    page = [WorkerView(*row) for row in rows]
    held = running_tasks([worker.id for worker in page])
    queues = allocations_of([worker.id for worker in page if worker.slurm_job_id])
    return total, [dataclasses.replace(w, tasks=tuple(held.get(w.id, ())),
                                       allocation=queues.get(w.id)) for w in page]


def allocations_of(worker_ids: list[int]) -> dict[int, str]:
    """The allocation queue each of these workers was started for: the one of its project that
    submitted its Slurm job (coordinator.allocator)."""
    if not worker_ids:
        return {}
    return dict(run_sql(
        'SELECT w.id, q.name FROM worker w JOIN allocation_job j ON j.slurm_job_id = '
        'w.slurm_job_id JOIN allocation_queue q ON q.id = j.queue_id AND q.project_id = '
        f'w.project_id WHERE w.id IN ({", ".join("?" * len(worker_ids))})',
        tuple(worker_ids)).fetchall())


def running_tasks(worker_ids: list[int]) -> dict[int, list[Held]]:
    """The tasks each of these workers runs now, by task id."""
    if not worker_ids:
        return {}
    placeholders = ', '.join('?' * len(worker_ids))
    held: dict[int, list] = {}
    # from the workers to their tasks, never the other way: statistics of a table whose
    # finished tasks lost their worker (pruned) make an ANALYZEd SQLite take a list of
    # workers for most of the table, and scan it in id order rather than sort a few rows
    # (200 ms at 10^6 rows); CROSS JOIN fixes SQLite's order, PostgreSQL plans it as a join
    for worker_id, *task in run_sql(
            'SELECT t.worker_id, r.uuid, t.number, t.attempt, t.id FROM worker w '
            'CROSS JOIN task t LEFT JOIN run r ON r.id = t.run_id '
            f'WHERE w.id IN ({placeholders}) AND t.worker_id = w.id AND t.status = ? '
            'ORDER BY t.id',
            (*worker_ids, TaskState.RUNNING.value)).fetchall():
        held.setdefault(worker_id, []).append(Held(*task))
    return held


def workers_of_runs(run_ids: list[int]) -> dict[int, tuple[int, float | None]]:
    """For each run id with running tasks: (workers running them, the latest walltime end)."""
    if not run_ids:
        return {}
    placeholders = ', '.join('?' * len(run_ids))
    return {run_id: (count, end) for run_id, count, end in run_sql(
        'SELECT t.run_id, COUNT(DISTINCT t.worker_id), MAX(w.walltime_end_at) FROM task t '
        f'JOIN worker w ON w.id = t.worker_id WHERE t.run_id IN ({placeholders}) '
        'AND t.status = ? GROUP BY t.run_id', (*run_ids, TaskState.RUNNING.value)).fetchall()}


def count_by_state(principal: Principal) -> dict[str, int]:
    """How many of the workers the caller sees are in each state (every state named)."""
    where, params = visible(principal)
    rows = dict(run_sql(f'SELECT state, COUNT(*) FROM worker WHERE {where} GROUP BY state',
                        params).fetchall())
    return {state.value: rows.get(state.value, 0) for state in WorkerState}
