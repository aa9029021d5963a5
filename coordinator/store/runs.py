"""Runs: create in O(1) (or in bounded chunks of inputs), status from counters, restart, delete."""

import contextlib
import dataclasses
import json
import time
import uuid as uuidlib
from typing import NamedTuple

from coordinator.db import database, run_sql
from coordinator.errors import NotFound
from coordinator.models import DEFAULT_MAX_TRIES, Run, RunInput, Task, Token
from coordinator.states import OVERRIDES, TaskState, sources
from coordinator.store import audit, job_types
from coordinator.store.access import Principal, require_manager, require_unbound
from coordinator.store.moves import leaving_for

DELETE_CHUNK = 5000
INPUT_CHUNK = 2000  # rows per transaction: a few milliseconds of the write lock
# a run still loading after this long was left by a process that died mid-creation
LOADING_ABANDONED_S = 3600


@dataclasses.dataclass(frozen=True, slots=True)
class Policy:
    """How a run's tasks are retried and timed; the agent reads it when it starts."""

    max_tries: int = DEFAULT_MAX_TRIES
    retry_delay_s: float = 0.0
    task_timeout_s: float | None = None
    expected_duration_s: float | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Recipe:
    """What users named a run and what its agents run: an argv template and one input per task."""

    name: str | None = None
    command: list[str] | None = None
    inputs: list[str] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RunStatus:
    """A run's progress, policy and history, read from its row (no scan of its tasks)."""

    id: int
    uuid: str
    num_tasks: int
    running: int
    done: int
    failed: int
    cancelled: int
    percent_done: float
    policy: Policy
    name: str | None = None
    command: list[str] | None = None
    has_inputs: bool = False
    created_at: float = 0.0
    started_at: float | None = None
    last_ended_at: float | None = None
    cancelled_at: float | None = None

    @property
    def waiting(self) -> int:
        """Tasks not running and not finished, including those never handed out."""
        return self.num_tasks - self.running - self.done - self.failed - self.cancelled

    @property
    def finished(self) -> bool:
        return self.waiting == 0 and self.running == 0


class RunRef(NamedTuple):
    """The columns writers need of a run they have locked."""

    id: int
    num_tasks: int
    next_number: int
    project_id: int
    cancelled_at: float | None
    job_type_id: int
    type_stopped: bool  # its job type is paused or inactive: its tasks are not handed out
    max_tries: int
    retry_delay_s: float


# the runs a principal may see: its project's (every project's, for admins), or its one bound run
# (qualified, so it also reads right in a query that joins the run's tasks)
_VISIBLE = 'NOT run.deleting AND NOT run.loading AND (? OR run.project_id = ?) AND (? IS NULL OR run.id = ?)'
_RUN_REF = ('run.id, run.num_tasks, run.next_number, run.project_id, run.cancelled_at, '
            'run.job_type_id, COALESCE((SELECT NOT job_type.is_active OR job_type.is_paused '
            'FROM job_type WHERE job_type.id = run.job_type_id), FALSE), '
            'run.max_tries, run.retry_delay_s')
_RUN_REF_WIDTH = len(RunRef._fields)
_SQL_INT_MAX = 2**63 - 1  # SQLite integers are 64-bit; a larger task number is in no run


def _visible_params(principal: Principal) -> tuple:
    return (principal.is_admin, principal.project_id, principal.run_id, principal.run_id)


def visible(principal: Principal) -> tuple[str, tuple]:
    """A condition on the run table, with its parameters, selecting the runs `principal` may see."""
    return _VISIBLE, _visible_params(principal)


def find_run(principal: Principal, run_uuid: str, lock: bool = False) -> RunRef:
    """The visible run `run_uuid`, row-locked for the transaction when `lock`, or NotFound."""
    sql = f'SELECT {_RUN_REF} FROM run WHERE run.uuid = ? AND {_VISIBLE}'
    row = run_sql(sql + (' FOR UPDATE' if lock else ''),
                  (run_uuid, *_visible_params(principal))).fetchone()
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    return RunRef(*row)


def task_states(principal: Principal, run_uuid: str,
                numbers: list[int]) -> dict[int, tuple[int, str, int | None]]:
    """number -> (attempt, status, worker id) of those of the tasks `numbers` of the visible
    run `run_uuid` that have rows: none for a run not visible (deleted), in one statement."""
    placeholders = ', '.join('?' * len(numbers))
    rows = run_sql('SELECT task.number, task.attempt, task.status, task.worker_id FROM run '
                   f'JOIN task ON task.run_id = run.id AND task.number IN ({placeholders}) '
                   f'WHERE run.uuid = ? AND {_VISIBLE}',
                   (*(min(number, _SQL_INT_MAX) for number in numbers), run_uuid,
                    *_visible_params(principal))).fetchall()
    return {number: (attempt, status, holder) for number, attempt, status, holder in rows}


def lock_run(run_id: int, *, for_claims: bool = False,
             skip_locked: bool = False) -> RunRef | None:
    """Run `run_id` locked for the transaction, or None once deleted; with `for_claims`, None
    also while it is loading or once cancelled; with `skip_locked` (PostgreSQL), None while
    another transaction holds it."""
    lock = ' FOR UPDATE SKIP LOCKED' if skip_locked and database.for_update else ' FOR UPDATE'
    claimable = ' AND NOT run.loading AND run.cancelled_at IS NULL' if for_claims else ''
    row = run_sql(f'SELECT {_RUN_REF} FROM run WHERE run.id = ? AND NOT run.deleting'
                  + claimable + lock, (run_id,)).fetchone()
    return None if row is None else RunRef(*row)


def find_run_task(principal: Principal, run_uuid: str, number: int,
                  lock: bool = False) -> tuple[RunRef, tuple[int, str, float] | None]:
    """`find_run` and `check_number`, with task `number`'s (id, status, percent) or None.

    The task is None when it was never touched (it has no row yet).

    One statement instead of two where it is safe: the stock taskfarm client reads
    or writes one task in three of its four requests per task. With row locks
    (PostgreSQL) the task is read once the run's lock is held, because a query
    that waited for a lock re-reads only the locked row, not the rows joined to it.
    """
    if lock and database.for_update:
        run = find_run(principal, run_uuid, lock=True)
        check_number(run, number)
        row = run_sql('SELECT id, status, percent FROM task WHERE run_id = ? AND number = ?',
                      (run.id, number)).fetchone()
        return run, (None if row is None else tuple(row))
    sql = (f'SELECT {_RUN_REF}, task.id, task.status, task.percent FROM run '
           'LEFT JOIN task ON task.run_id = run.id AND task.number = ? '
           f'WHERE run.uuid = ? AND {_VISIBLE}')
    params = (min(number, _SQL_INT_MAX), run_uuid, *_visible_params(principal))
    row = run_sql(sql, params).fetchone()
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    run = RunRef(*row[:_RUN_REF_WIDTH])
    check_number(run, number)
    task = row[_RUN_REF_WIDTH:]
    return run, (None if task[0] is None else tuple(task))


def check_number(run: RunRef, number: int) -> None:
    """NotFound unless `number` is one of the run's tasks."""
    if not 0 <= number < run.num_tasks:
        raise NotFound(f'task {number} is out of range: the run has tasks 0 to {run.num_tasks - 1}')


def create_run(principal: Principal, num_tasks: int, now: float | None = None,
               policy: Policy = Policy(), recipe: Recipe = Recipe()) -> Run:
    """A new run of `num_tasks` tasks; no task row is written until a task is touched.

    A recipe's inputs (one per task) are stored with it, `INPUT_CHUNK` per
    transaction: a run of millions of inputs never holds the write lock for long,
    and stays hidden (`loading`) until the last chunk is in. Without inputs
    creation is O(1).
    """
    require_manager(principal)
    require_unbound(principal)
    now = time.time() if now is None else now
    inputs = recipe.inputs or ()
    with database.write():
        run = Run.create(uuid=uuidlib.uuid4().hex, project=principal.project_id,
                         job_type=job_types.run_type_id(principal.project_id, now),
                         owner=principal.user_id, num_tasks=num_tasks, created_at=now,
                         name=recipe.name, has_inputs=recipe.inputs is not None,
                         command=None if recipe.command is None else json.dumps(recipe.command),
                         loading=len(inputs) > INPUT_CHUNK, **dataclasses.asdict(policy))
        _insert_inputs(run.id, inputs[:INPUT_CHUNK], 0)
        if not run.loading:
            _audit_creation(principal, run, recipe, policy, now)
    if run.loading:
        _load_inputs(principal, run, recipe, policy, now)
    return run


def _load_inputs(principal: Principal, run: Run, recipe: Recipe, policy: Policy,
                 now: float) -> None:
    """The rest of a big run's inputs, a chunk per transaction, then the run is shown."""
    try:
        for start in range(INPUT_CHUNK, len(recipe.inputs), INPUT_CHUNK):
            with database.write():
                _insert_inputs(run.id, recipe.inputs[start:start + INPUT_CHUNK], start)
        with database.write():
            run_sql('UPDATE run SET loading = FALSE WHERE id = ?', (run.id,))
            _audit_creation(principal, run, recipe, policy, now)
    except BaseException:
        # the half-written run is purged; if even this fails, maintenance purges abandoned loads
        with contextlib.suppress(Exception), database.write():
            run_sql('UPDATE run SET deleting = TRUE WHERE id = ?', (run.id,))
        raise


def _insert_inputs(run_id: int, values: list[str], first_number: int) -> None:
    if values:
        run_sql('INSERT INTO run_input (run_id, number, value) VALUES '
                + ', '.join(['(?, ?, ?)'] * len(values)),
                tuple(item for number, value in enumerate(values, first_number)
                      for item in (run_id, number, value)))


def _audit_creation(principal: Principal, run: Run, recipe: Recipe, policy: Policy,
                    now: float) -> None:
    audit.record(principal, 'run.create', 'run', run.uuid, now=now, num_tasks=run.num_tasks,
                 name=recipe.name, **dataclasses.asdict(policy))


def task_inputs(run_id: int, numbers: list[int]) -> dict[int, str]:
    """The inputs of some tasks of a run (immutable once the run exists)."""
    if not numbers:
        return {}
    placeholders = ', '.join('?' * len(numbers))
    return dict(run_sql(f'SELECT number, value FROM run_input WHERE run_id = ? '
                        f'AND number IN ({placeholders})', (run_id, *numbers)).fetchall())


def list_runs(principal: Principal) -> list[tuple[int, str, int]]:
    """(id, uuid, num_tasks) of every visible run, oldest first."""
    sql = f'SELECT id, uuid, num_tasks FROM run WHERE {_VISIBLE} ORDER BY id'
    return [tuple(row) for row in run_sql(sql, _visible_params(principal)).fetchall()]


# the columns `status_from_row` reads, for every query that builds RunStatus
STATUS_COLUMNS = ('id, uuid, num_tasks, running_count, done_count, failed_count, cancelled_count, '
                  'percent_sum, max_tries, retry_delay_s, task_timeout_s, expected_duration_s, '
                  'name, command, has_inputs, created_at, started_at, last_ended_at, cancelled_at')


def status_from_row(row) -> RunStatus:
    (run_id, uuid, num_tasks, running, done, failed, cancelled, percent_sum, *rest) = row
    policy, (name, command, has_inputs, *times) = Policy(*rest[:4]), rest[4:]
    # the sum is kept by adding deltas, so round away float drift
    percent = 100.0 if done == num_tasks else round(percent_sum / num_tasks, 6)
    return RunStatus(run_id, uuid, num_tasks, running, done, failed, cancelled, percent, policy,
                     name, None if command is None else json.loads(command), bool(has_inputs),
                     *times)


def run_status(principal: Principal, run_uuid: str) -> RunStatus:
    """Progress of one run: a single row read."""
    sql = f'SELECT {STATUS_COLUMNS} FROM run WHERE uuid = ? AND {_VISIBLE}'
    row = run_sql(sql, (run_uuid, *_visible_params(principal))).fetchone()
    if row is None:
        raise NotFound(f'no run {run_uuid}')
    return status_from_row(row)


def list_statuses(principal: Principal, finished: bool | None, limit: int,
                  offset: int) -> tuple[int, list[RunStatus]]:
    """(how many match, one page of them newest first); `finished` None means all runs."""
    where = _VISIBLE
    if finished is not None:
        where += (' AND done_count + failed_count + cancelled_count ' +
                  ('=' if finished else '<') + ' num_tasks')
    params = _visible_params(principal)
    (total,) = run_sql(f'SELECT COUNT(*) FROM run WHERE {where}', params).fetchone()
    rows = run_sql(f'SELECT {STATUS_COLUMNS} FROM run WHERE {where} ORDER BY id DESC '
                   'LIMIT ? OFFSET ?', (*params, limit, offset)).fetchall()
    return total, [status_from_row(row) for row in rows]


def restart_run(principal: Principal, run_uuid: str, everything: bool,
                now: float | None = None) -> int:
    """Queue a run's tasks again: all of them, or only those not complete (progress kept).

    Returns the number of task rows requeued.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        # a restart gives every task it touches fresh tries and lifts a cancellation
        requeue = dict(status=TaskState.QUEUED.value, worker=None, exit_code=None,
                       queued_at=now, status_changed_at=now, ended_at=None,
                       failed_tries=0, available_at=now, error_category=None,
                       error_name=None)
        # the counters follow OVERRIDES, which lets a restart requeue a task from any state
        counters = dict(running_count=0, failed_count=0, cancelled_count=0, cancelled_at=None)
        selected = (Task.run == run.id) & Task.status.in_(sources(TaskState.QUEUED, OVERRIDES))
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


def cancel_run(principal: Principal, run_uuid: str, now: float | None = None) -> None:
    """Cancel every task of a run not yet finished; claims hand out nothing until a restart.

    Agents running its tasks learn so at their next heartbeat and stop them.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        if run.cancelled_at is not None:
            return
        unfinished, olds = leaving_for(TaskState.CANCELLED, OVERRIDES)
        run_sql('UPDATE task SET status = ?, status_changed_at = ?, ended_at = ? '
                f'WHERE run_id = ? AND {unfinished}',
                (TaskState.CANCELLED.value, now, now, run.id, *olds))
        # every task neither done nor failed is now cancelled, rows or none (never handed out),
        # as OVERRIDES lets a person cancel every unfinished task
        run_sql('UPDATE run SET cancelled_at = ?, running_count = 0, '
                'cancelled_count = num_tasks - done_count - failed_count WHERE id = ?',
                (now, run.id))
        audit.record(principal, 'run.cancel', 'run', run_uuid, now=now)


def delete_run(principal: Principal, run_uuid: str) -> None:
    """Hide a run and revoke its bound tokens at once; maintenance purges its tasks in chunks."""
    require_manager(principal)
    with database.write():
        run = find_run(principal, run_uuid, lock=True)
        Run.update(deleting=True).where(Run.id == run.id).execute()
        Token.delete().where(Token.run == run.id).execute()
        audit.record(principal, 'run.delete', 'run', run_uuid)


def purge_run(run_id: int, chunk: int = DELETE_CHUNK) -> None:
    """Delete a hidden run, its tasks and its inputs, `chunk` rows per transaction."""
    for model in (Task, RunInput):  # the big ones; the rest goes with the run by cascade
        while True:
            with database.write():
                batch = model.select(model.id).where(model.run == run_id).limit(chunk)
                if not model.delete().where(model.id.in_(batch)).execute():
                    break
    with database.write():
        Run.delete().where(Run.id == run_id).execute()


def purge_deleted_runs(now: float | None = None) -> int:
    """Purge runs marked deleted, and loads abandoned by a process that died; returns how many."""
    now = time.time() if now is None else now
    run_ids = [run_id for (run_id,) in Run.select(Run.id).where(
        Run.deleting | (Run.loading & (Run.created_at < now - LOADING_ABANDONED_S))).tuples()]
    for run_id in run_ids:
        purge_run(run_id)
    return len(run_ids)
