"""Handing out a run's tasks: up to k per claim, atomically, each with a new attempt number.

The run row is locked first (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE),
so two claims of one run are serialised and no task is handed out twice. A run
whose job type is paused or inactive hands out nothing, whoever asks.
Requeued tasks go first (lowest number), then never-claimed numbers, whose rows
are created here. The attempt number is the fencing token: a report must carry
the attempt it was claimed with.
"""

import dataclasses
import time

from coordinator.db import run_sql
from coordinator.metrics import instruments
from coordinator.states import TaskState
from coordinator.store import reports, workers
from coordinator.store.access import Principal
from coordinator.store.counters import RunCounters
from coordinator.store.moves import leaving_for
from coordinator.store.runs import RunRef, find_run

_RUNNING = TaskState.RUNNING.value


@dataclasses.dataclass(frozen=True, slots=True)
class TaskView:
    """A task of a run as clients see it; `id` is None for a task never touched."""

    id: int | None
    number: int
    percent: float
    state: TaskState
    attempt: int = 0


def claim_tasks(principal: Principal, run_uuid: str, worker_uuid: str, max_tasks: int,
                now: float | None = None, *, heartbeat: bool = False) -> list[TaskView]:
    """Up to `max_tasks` tasks of a run for a worker; empty when none is waiting now.

    With `heartbeat` the call also counts as the worker's heartbeat (farmworker
    agents); the stock taskfarm client never heartbeats, so its tasks are never reaped.
    """
    return report_and_claim(principal, run_uuid, worker_uuid, [], max_tasks, now,
                            heartbeat=heartbeat)[1]


def report_and_claim(principal: Principal, run_uuid: str, worker_uuid: str,
                     results: list[reports.Result], max_tasks: int, now: float | None = None, *,
                     heartbeat: bool = True) -> tuple[reports.Receipt, list[TaskView]]:
    """An agent's results (as `reports.report`) and its next claim, in one transaction.

    Results and claim in one transaction: on PostgreSQL each commit waits for its WAL flush
    while the run's row stays locked, so with thousands of agents on one run the run's claims
    queued behind a flush for each. With `heartbeat` it is a heartbeat too, recorded where
    `workers.writing_with_beat` says.
    """
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    receipt = reports.Receipt()
    with workers.writing_with_beat(worker_id, now, heartbeat):
        run = find_run(principal, run_uuid, lock=True)
        counters = RunCounters(run.id, now)
        if results:
            reports.settle_run(run, worker_id, results, receipt, counters)
        claimed = claim_in_run(run, worker_id, max_tasks, counters)
        counters.save()
    return receipt, claimed


def claim_in_run(run: RunRef, worker_id: int, max_tasks: int,
                 counters: RunCounters) -> list[TaskView]:
    """`claim_tasks`'s work on a run the caller's transaction has locked, for a checked worker;
    the run's counters and next number go to `counters`, for the caller to save.

    A cancelled run, or one whose job type is paused or inactive, hands out nothing.
    """
    if run.cancelled_at is not None or run.type_stopped:
        return []
    now = counters.now
    claimed = _claim_queued(run, worker_id, max_tasks, now)
    next_number = run.next_number
    if len(claimed) < max_tasks:
        fresh, next_number = _claim_fresh(run, worker_id, max_tasks - len(claimed), now)
        claimed += fresh
    counters.claim(len(claimed), next_number if next_number != run.next_number else None)
    instruments.claimed('run', len(claimed))  # the caller's transaction commits next
    return claimed


def _claim_queued(run: RunRef, worker_id: int, limit: int, now: float) -> list[TaskView]:
    claimable, olds = leaving_for(TaskState.RUNNING)  # from the queue
    rows = run_sql('UPDATE task SET status = ?, worker_id = ?, attempt = attempt + 1, '
                   'started_at = ?, status_changed_at = ?, ended_at = NULL, exit_code = NULL '
                   f'WHERE id IN (SELECT id FROM task WHERE run_id = ? AND {claimable} '
                   'AND available_at <= ? ORDER BY number LIMIT ?) '
                   'RETURNING id, number, percent, attempt',
                   (_RUNNING, worker_id, now, now, run.id, *olds, now, limit)).fetchall()
    return sorted((TaskView(task_id, number, percent, TaskState.RUNNING, attempt)
                   for task_id, number, percent, attempt in rows), key=lambda t: t.number)


def _claim_fresh(run: RunRef, worker_id: int, limit: int,
                 now: float) -> tuple[list[TaskView], int]:
    """Create rows for the next never-claimed numbers; returns them and the new next_number.

    One INSERT per batch (numbers from a recursive CTE, which both databases have):
    a statement per task made big claims slow on PostgreSQL, whose round trips
    happen while the run row is locked.
    """
    number, claimed = run.next_number, []
    while len(claimed) < limit and number < run.num_tasks:
        count = min(limit - len(claimed), run.num_tasks - number)
        # numbers whose row a PUT already created are skipped by ON CONFLICT (they are
        # not queued, or the queued claim above would have taken them): loop to fill up
        rows = run_sql(
            'WITH RECURSIVE fresh(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM fresh WHERE n + 1 < ?) '
            'INSERT INTO task (project_id, run_id, job_type_id, number, status, priority, '
            'available_at, attempt, failed_tries, worker_id, percent, created_at, queued_at, '
            'started_at, status_changed_at) '
            'SELECT ?, ?, ?, n, ?, 0, 0, 1, 0, ?, 0, ?, ?, ?, ? FROM fresh WHERE 1 = 1 '
            'ON CONFLICT DO NOTHING RETURNING id, number',
            (number, number + count, run.project_id, run.id, run.job_type_id, _RUNNING,
             worker_id, now, now, now, now)
        ).fetchall()
        claimed += [TaskView(task_id, n, 0.0, TaskState.RUNNING, 1) for task_id, n in rows]
        number += count
    return sorted(claimed, key=lambda task: task.number), number
