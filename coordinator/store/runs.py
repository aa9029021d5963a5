"""Taskfarm runs: create in O(1), list, status from counters, restart, delete in chunks."""

import dataclasses
import time
import uuid as uuidlib
from typing import NamedTuple

from coordinator.db import database, run_sql
from coordinator.errors import NotFound
from coordinator.models import DEFAULT_MAX_TRIES, Run, Task
from coordinator.states import TaskState
from coordinator.store import audit
from coordinator.store.access import Principal, require_manager, require_unbound

DELETE_CHUNK = 5000


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """How a run's tasks are retried and timed; the agent reads it when it starts."""

    max_tries: int = DEFAULT_MAX_TRIES
    retry_delay_s: float = 0.0
    task_timeout_s: float | None = None
    expected_duration_s: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RunStatus:
    """A run's progress and policy, read from its row (no scan of its tasks)."""

    id: int
    uuid: str
    num_tasks: int
    running: int
    done: int
    failed: int
    percent_done: float
    policy: Policy

    @property
    def waiting(self) -> int:
        """Tasks not running and not finished, including those never handed out."""
        return self.num_tasks - self.running - self.done - self.failed


class RunRef(NamedTuple):
    """The columns writers need of a run they have locked."""

    id: int
    num_tasks: int
    next_number: int
    project_id: int


# the runs a principal may see: its project's (every project's, for admins), or its one bound run
_VISIBLE = 'NOT deleting AND (? OR project_id = ?) AND (? IS NULL OR id = ?)'


def _visible_params(principal: Principal) -> tuple:
    return (principal.is_admin, principal.project_id, principal.run_id, principal.run_id)


def find_run(principal: Principal, run_uuid: str, lock: bool = False) -> RunRef:
    """The visible run `run_uuid`, row-locked for the transaction when `lock`, or NotFound."""
    sql = f'SELECT id, num_tasks, next_number, project_id FROM run WHERE uuid = ? AND {_VISIBLE}'
    row = run_sql(sql + (' FOR UPDATE' if lock else ''),
                  (run_uuid, *_visible_params(principal))).fetchone()
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    return RunRef(*row)


def create_run(principal: Principal, num_tasks: int, now: float | None = None,
               policy: Policy = Policy()) -> Run:
    """A new run of `num_tasks` tasks; no task row is written until a task is touched."""
    require_manager(principal)
    require_unbound(principal)
    now = time.time() if now is None else now
    with database.write():
        run = Run.create(uuid=uuidlib.uuid4().hex, project=principal.project_id,
                         owner=principal.user_id, num_tasks=num_tasks, created_at=now,
                         **dataclasses.asdict(policy))
        audit.record(principal, 'run.create', 'run', run.uuid, now=now, num_tasks=num_tasks,
                     **dataclasses.asdict(policy))
    return run


def list_runs(principal: Principal) -> list[tuple[int, str, int]]:
    """(id, uuid, num_tasks) of every visible run, oldest first."""
    sql = f'SELECT id, uuid, num_tasks FROM run WHERE {_VISIBLE} ORDER BY id'
    return [tuple(row) for row in run_sql(sql, _visible_params(principal)).fetchall()]


def run_status(principal: Principal, run_uuid: str) -> RunStatus:
    """Progress of one run: a single row read."""
    sql = ('SELECT id, uuid, num_tasks, running_count, done_count, failed_count, percent_sum, '
           'max_tries, retry_delay_s, task_timeout_s, expected_duration_s '
           f'FROM run WHERE uuid = ? AND {_VISIBLE}')
    row = run_sql(sql, (run_uuid, *_visible_params(principal))).fetchone()
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    run_id, uuid, num_tasks, running, done, failed, percent_sum, *policy = row
    # the sum is kept by adding deltas, so round away float drift
    percent = 100.0 if done == num_tasks else round(percent_sum / num_tasks, 6)
    return RunStatus(run_id, uuid, num_tasks, running, done, failed, percent, Policy(*policy))


def restart_run(principal: Principal, run_uuid: str, everything: bool,
                now: float | None = None) -> int:
    """Queue a run's tasks again: all of them, or only those not complete (progress kept).

    Returns the number of task rows requeued.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        requeue = dict(status=TaskState.QUEUED.value, worker=None, lease_expires_at=None,
                       exit_code=None, queued_at=now, status_changed_at=now, ended_at=None)
        counters = dict(running_count=0, failed_count=0)
        selected = Task.run == run.id
        if everything:
            requeue['percent'] = 0.0
            counters.update(done_count=0, percent_sum=0.0)
        else:
            selected &= Task.status != TaskState.COMPLETE.value
        count = Task.update(**requeue).where(selected).execute()
        Run.update(**counters).where(Run.id == run.id).execute()
        audit.record(principal, 'run.restart', 'run', run_uuid, now=now, all=everything,
                     requeued=count)
    return count


def delete_run(principal: Principal, run_uuid: str) -> None:
    """Hide a run at once, then delete its tasks in chunks so writers are never blocked for long."""
    require_manager(principal)
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        Run.update(deleting=True).where(Run.id == run.id).execute()
        audit.record(principal, 'run.delete', 'run', run_uuid)
    purge_run(run.id)


def purge_run(run_id: int, chunk: int = DELETE_CHUNK) -> None:
    """Delete a run marked `deleting` and its tasks, `chunk` rows per transaction."""
    while True:
        with database.write():
            batch = Task.select(Task.id).where(Task.run == run_id).limit(chunk)
            if Task.delete().where(Task.id.in_(batch)).execute() < chunk:
                Run.delete().where(Run.id == run_id).execute()
                return


def purge_deleted_runs() -> int:
    """Finish deletions a stopped process left half done; returns how many runs were purged."""
    run_ids = [run_id for (run_id,) in Run.select(Run.id).where(Run.deleting).tuples()]
    for run_id in run_ids:
        purge_run(run_id)
    return len(run_ids)
