"""Taskfarm runs: create in O(1), list, status from counters, restart, delete in chunks."""

import dataclasses
import time
import uuid as uuidlib

from coordinator.db import database, locked
from coordinator.errors import NotFound
from coordinator.models import Run, Task
from coordinator.states import TaskState
from coordinator.store import audit
from coordinator.store.access import Principal, require_manager, require_unbound

DELETE_CHUNK = 5000


@dataclasses.dataclass(frozen=True, slots=True)
class RunStatus:
    """A run's progress, read from its counters (no scan of its tasks)."""

    id: int
    uuid: str
    num_tasks: int
    running: int
    done: int
    failed: int
    percent_done: float

    @property
    def waiting(self) -> int:
        """Tasks not running and not finished, including those never handed out."""
        return self.num_tasks - self.running - self.done - self.failed


_STATUS_COLUMNS = (Run.id, Run.uuid, Run.num_tasks, Run.running_count, Run.done_count,
                   Run.failed_count, Run.percent_sum)


def visible(principal: Principal):
    """The runs `principal` may see: its project's (all, for admins), or its one bound run."""
    condition = ~Run.deleting
    if not principal.is_admin:
        condition &= Run.project == principal.project_id
    if principal.run_id is not None:
        condition &= Run.id == principal.run_id
    return condition


def find_run(principal: Principal, run_uuid: str, *columns, lock: bool = False) -> Run:
    """The visible run `run_uuid` (row-locked for the transaction when `lock`), or NotFound."""
    query = Run.select(*columns).where(visible(principal) & (Run.uuid == run_uuid))
    run = (locked(query) if lock else query).first()
    if run is None:
        raise NotFound(f'no run {run_uuid}')
    return run


def create_run(principal: Principal, num_tasks: int, now: float | None = None) -> Run:
    """A new run of `num_tasks` tasks; no task row is written until a task is touched."""
    require_manager(principal)
    require_unbound(principal)
    now = time.time() if now is None else now
    with database.write():
        run = Run.create(uuid=uuidlib.uuid4().hex, project=principal.project_id,
                         owner=principal.user_id, num_tasks=num_tasks, created_at=now)
        audit.record(principal, 'run.create', 'run', run.uuid, now=now, num_tasks=num_tasks)
    return run


def list_runs(principal: Principal) -> list[tuple[int, str, int]]:
    """(id, uuid, num_tasks) of every visible run, oldest first."""
    query = Run.select(Run.id, Run.uuid, Run.num_tasks).where(visible(principal)).order_by(Run.id)
    return list(query.tuples())


def run_status(principal: Principal, run_uuid: str) -> RunStatus:
    """Progress of one run: a single row read."""
    row = (Run.select(*_STATUS_COLUMNS)
           .where(visible(principal) & (Run.uuid == run_uuid)).tuples().first())
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    run_id, uuid, num_tasks, running, done, failed, percent_sum = row
    # the sum is kept by adding deltas, so round away float drift
    percent = 100.0 if done == num_tasks else round(percent_sum / num_tasks, 6)
    return RunStatus(run_id, uuid, num_tasks, running, done, failed, percent)


def restart_run(principal: Principal, run_uuid: str, everything: bool,
                now: float | None = None) -> int:
    """Queue a run's tasks again: all of them, or only those not complete (progress kept).

    Returns the number of task rows requeued.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, Run.id, lock=True)
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
        run = find_run(principal, run_uuid, Run.id, lock=True)
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
