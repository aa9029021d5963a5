"""Workers: registration (again, for a retried POST, is not an error), heartbeats and goodbyes.

A worker registered with resources (a farmworker agent) heartbeats, and is
declared lost when it stops doing so; one registered without (the stock
taskfarm client) never heartbeats and is never reaped.
"""

import collections
import contextlib
import dataclasses
import time

from coordinator import failures
from coordinator.db import database, run_sql, run_write
from coordinator.errors import Conflict, NotFound
from coordinator.states import WORKER_GONE, TaskState, WorkerState
from coordinator.store import job_types, lost_tasks
from coordinator.store.access import Principal
from coordinator.store.counters import RunCounters
from coordinator.store.moves import leaving_for
from coordinator.store.runs import task_states
from coordinator.store.worker_views import Held, running_tasks, visible

_GONE = tuple(state.value for state in WORKER_GONE)
# A live worker's state follows the tasks it holds, of any run: a claim that gets nothing
# must not show an agent with busy slots as idle. Draining, once said, stays. Its one
# parameter says whether the worker says it drains; the states are written in, so that a
# prepared statement's generic plan knows them (with the task state a parameter, PostgreSQL
# planned a scan of every task before the table's first statistics: 12 ms a heartbeat).
_STATE_NOW = (f"CASE WHEN ? OR state = '{WorkerState.DRAINING.value}' "
              f"THEN '{WorkerState.DRAINING.value}' WHEN EXISTS (SELECT 1 FROM task "
              f"WHERE task.worker_id = worker.id AND task.status = '{TaskState.RUNNING.value}') "
              f"THEN '{WorkerState.BUSY.value}' ELSE '{WorkerState.IDLE.value}' END")
_LIVE = 'state NOT IN (' + ', '.join(f"'{state}'" for state in _GONE) + ')'


@dataclasses.dataclass(frozen=True)
class Resources:
    """What an agent reports about its node and allocation when it registers."""

    slots: int
    cpus: int | None = None
    memory_bytes: int | None = None
    slurm_job_id: str | None = None
    walltime_end_at: float | None = None
    load: float | None = None  # the 1-minute load average, so it shows before the first heartbeat
    serves: str | None = None  # what it works on, as JSON (models.Worker.serves)


def register_worker(principal: Principal, worker_uuid: str, hostname: str, pid: int,
                    now: float | None = None, resources: Resources | None = None) -> int:
    """Record a worker and return its id; the same uuid from another project is a Conflict.

    The worker is bound to the run the caller's token is bound to, if any. A token
    bound to a run cannot register again a uuid it does not see (NotFound).
    """
    now = time.time() if now is None else now
    fields = dict(hostname=hostname, pid=pid, state=WorkerState.IDLE.value, reason=None,
                  last_heartbeat_at=now if resources else None, bound_run_id=principal.run_id,
                  **dataclasses.asdict(resources or Resources(slots=1)))
    with database.write():
        worker_id = run_sql(
            f'INSERT INTO worker (uuid, project_id, owner_id, created_at, {", ".join(fields)}) '
            f'VALUES (?, ?, ?, ?, {", ".join("?" * len(fields))}) '
            'ON CONFLICT DO NOTHING RETURNING id',
            (worker_uuid, principal.project_id, principal.user_id, now, *fields.values())).fetchone()
        if worker_id is not None:
            return worker_id[0]
        worker_id, project_id = run_sql('SELECT id, project_id FROM worker WHERE uuid = ?',
                                        (worker_uuid,)).fetchone()
        if project_id != principal.project_id:
            raise Conflict(f'worker uuid {worker_uuid} is taken')
        _worker(principal, worker_uuid)  # NotFound, and left alone, if another run's token has it
        assignments = ', '.join(f'{column} = ?' for column in fields)
        run_sql(f'UPDATE worker SET {assignments} WHERE id = ?', (*fields.values(), worker_id))
    return worker_id


def heartbeat(principal: Principal, worker_uuid: str, *, load: float | None = None,
              memory_bytes: int | None = None, draining: bool = False,
              running: tuple[str, list[tuple[int, int]]] | None = None,
              held: list[tuple[int, int]] | None = None,
              now: float | None = None) -> list[tuple[int, int]]:
    """Record that a worker is alive (with its load); a lost or stopped worker must register again.

    `running` is (run uuid, [(number, attempt)]) a run's agent runs, `held` the
    [(task id, attempt)] a serve agent runs; the answer lists those it should stop
    because they are no longer its own (cancelled, restarted, deleted).
    """
    now = time.time() if now is None else now
    where, params = visible(principal)
    # the worker found and its beat recorded in one statement: a heartbeat is the request
    # every agent sends, and on PostgreSQL each statement is a round trip
    beaten = run_write('UPDATE worker SET last_heartbeat_at = ?, load = COALESCE(?, load), '
                       f'memory_bytes = COALESCE(?, memory_bytes), state = {_STATE_NOW} '
                       f'WHERE uuid = ? AND {where} AND {_LIVE} RETURNING id',
                       (now, load, memory_bytes, draining, worker_uuid, *params))
    if not beaten:
        active_worker(principal, worker_uuid)  # why not: NotFound or Conflict
        return []  # it registered again meanwhile, which is a beat of its own
    worker_id = beaten[0][0]
    if held:
        return _not_held_ids(worker_id, held)
    return _not_held(principal, worker_id, *running) if running and running[1] else []


def _not_held_ids(worker_id: int, tasks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    placeholders = ', '.join('?' * len(tasks))
    current = {task_id: (attempt, status, holder) for task_id, attempt, status, holder in run_sql(
        'SELECT task.id, task.attempt, task.status, task.worker_id FROM task '
        'LEFT JOIN run ON run.id = task.run_id '
        f'WHERE task.id IN ({placeholders}) AND (run.id IS NULL OR NOT run.deleting)',
        tuple(task_id for task_id, _ in tasks)).fetchall()}
    held = TaskState.RUNNING.value
    return [(task_id, attempt) for task_id, attempt in tasks
            if current.get(task_id) != (attempt, held, worker_id)]


def _not_held(principal: Principal, worker_id: int, run_uuid: str,
              tasks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    # a deleted run has no states: none of its tasks is anyone's any more
    current = task_states(principal, run_uuid, [number for number, _ in tasks])
    held = TaskState.RUNNING.value
    return [(number, attempt) for number, attempt in tasks
            if current.get(number) != (attempt, held, worker_id)]


_TOUCH = (f'UPDATE worker SET last_heartbeat_at = ?, state = {_STATE_NOW} '
          f'WHERE id = ? AND {_LIVE}')


def touch(worker_id: int, now: float) -> None:
    """The heartbeat that rides on a claim or a report, in the caller's write transaction
    (a nested one would cost a savepoint: two more round trips on PostgreSQL).

    Its state is then busy or idle as the worker holds tasks or not, which the claim or
    report may just have changed; the one UPDATE finds out, without another round trip.
    """
    run_sql(_TOUCH, (now, False, worker_id))


@dataclasses.dataclass(slots=True)
class Beat:
    """Whether the transaction `writing_with_beat` opened counts as a heartbeat; the caller may
    decide so inside it, once it knows whether this is its request's last transaction."""

    wanted: bool


@contextlib.contextmanager
def writing_with_beat(worker_id: int, now: float, beat: bool = True):
    """A write transaction that counts as the worker's heartbeat (`touch`), for callers that
    lock a run's row in it; it yields its `Beat`.

    On SQLite the beat is the transaction's last statement: one write lock, one commit. On
    PostgreSQL it follows the commit as a statement of its own, prepared and without
    BEGIN/COMMIT: every other claim and result of the run waits for the run's row, so a
    round trip fewer while holding it is one fewer for each of them.
    """
    decision = Beat(beat)
    with database.write():
        yield decision
        if decision.wanted and not database.for_update:
            touch(worker_id, now)
    if decision.wanted and database.for_update:
        run_write(_TOUCH + ' RETURNING id', (now, False, worker_id))


def stop_worker(principal: Principal, worker_uuid: str, reason: str,
                now: float | None = None) -> int:
    """A worker says goodbye: tasks it still holds go back to the queue without using a try.

    Returns how many tasks were handed back.
    """
    now = time.time() if now is None else now
    worker_id = _worker(principal, worker_uuid)[0]
    with database.write():
        run_sql('UPDATE worker SET state = ?, reason = ? WHERE id = ?',
                (WorkerState.STOPPED.value, reason, worker_id))
    return requeue_tasks_of(worker_id, now, failed=False, reason=f'worker stopped: {reason}')


def requeue_tasks_of(worker_id: int, now: float, *, failed: bool, reason: str) -> int:
    """Put a worker's running tasks back in the queue; returns how many moved.

    With `failed` (the worker was lost) each counts as a failed try, unless its family
    says a loss is free (lost_tasks), and a task out of tries ends in error with
    category SYSTEM. No transaction here holds a worker
    row and a run row together, and runs are locked in id order, so this never
    deadlocks with claims, reports or another coordinator process doing the same.
    """
    run_ids = [row[0] for row in run_sql(
        'SELECT DISTINCT run_id FROM task WHERE worker_id = ? AND status = ? ORDER BY run_id',
        (worker_id, TaskState.RUNNING.value)).fetchall()]
    return sum(_requeue_in_run(run_id, worker_id, now, failed, reason) if run_id is not None
               else _requeue_queued_work(worker_id, now, failed, reason) for run_id in run_ids)


def _requeue_in_run(run_id: int, worker_id: int, now: float, failed: bool, reason: str) -> int:
    moved = 0
    with database.write():
        (max_tries,) = run_sql('SELECT max_tries FROM run WHERE id = ? FOR UPDATE',
                               (run_id,)).fetchone()
        counters = RunCounters(run_id, now)
        rows = run_sql('SELECT id, failed_tries FROM task WHERE run_id = ? AND worker_id = ? '
                       'AND status = ?', (run_id, worker_id, TaskState.RUNNING.value)).fetchall()
        for task_id, failed_tries in rows:
            new = _requeue_task(task_id, failed_tries + failed, max_tries, now, reason)
            if new is not None:
                counters.move(TaskState.RUNNING, new)
                moved += 1
        counters.save()
    return moved


def _requeue_queued_work(worker_id: int, now: float, failed: bool, reason: str) -> int:
    """`_requeue_in_run` for the worker's queued-work tasks: each follows its own policy, and
    its family's word on whether a loss uses a try (lost_tasks)."""
    with database.write():
        # in id order, as reports lock them (queue.settle): the two never deadlock
        rows = run_sql('SELECT t.id, t.failed_tries, t.max_tries, t.job_type_id, t.attempt, '
                       'jt.version, s.family FROM task t '
                       'LEFT JOIN job_type jt ON jt.id = t.job_type_id '
                       'LEFT JOIN schedule s ON s.id = t.schedule_id '
                       'WHERE t.run_id IS NULL AND t.worker_id = ? AND t.status = ? '
                       'ORDER BY t.id', (worker_id, TaskState.RUNNING.value)).fetchall()
        ended = collections.Counter()
        for task_id, failed_tries, max_tries, type_id, attempt, version, family in rows:
            counted = failed and not lost_tasks.loss_is_free(version, family, attempt,
                                                             failed_tries)
            if _requeue_task(task_id, failed_tries + counted, max_tries, now,
                             reason) is not None:
                ended[type_id] += 1
        job_types.release_running(ended)
    return sum(ended.values())


def _requeue_task(task_id: int, tries: int, max_tries: int, now: float,
                  reason: str) -> TaskState | None:
    """Queue a running task again, or end it in error (SYSTEM) once out of tries; its new state,
    or None if it was no longer running."""
    new = TaskState.ERROR if tries >= max_tries else TaskState.QUEUED
    ended = now if new is TaskState.ERROR else None
    leaving, olds = leaving_for(new)
    error = failures.classify(failures.LOST, None) if ended else None
    changed = run_sql(
        'UPDATE task SET status = ?, worker_id = NULL, failed_tries = ?, msg = ?, '
        'error_category = ?, error_name = ?, status_changed_at = ?, queued_at = ?, '
        f'available_at = ?, ended_at = ? WHERE id = ? AND {leaving}',
        (new.value, tries, reason, error and error.category.value, error and error.name, now,
         now, now, ended, task_id, *olds)).rowcount
    return new if changed == 1 else None


def held_tasks(principal: Principal, worker_uuid: str) -> list[Held]:
    """Every task the worker holds (running) now.

    An agent whose claim got no answer asks this, then hands back what it does not know.
    """
    worker_id, _ = _worker(principal, worker_uuid)
    return running_tasks([worker_id]).get(worker_id, [])


def active_worker(principal: Principal, worker_uuid: str) -> int:
    """The id of a worker the caller sees that may work, or NotFound / Conflict."""
    worker_id, state = _worker(principal, worker_uuid)
    if state in _GONE:
        raise Conflict(f'worker {worker_uuid} is {state}: its tasks went back to the queue; '
                       'register again to work')
    return worker_id


def _worker(principal: Principal, worker_uuid: str) -> tuple[int, str]:
    """(id, state) of a worker the caller sees (`worker_views.visible`), or NotFound."""
    where, params = visible(principal)
    row = run_sql(f'SELECT id, state FROM worker WHERE uuid = ? AND {where}',
                  (worker_uuid, *params)).fetchone()
    if row is None:
        raise NotFound(f'no worker {worker_uuid}' + (' of the run this token is bound to'
                                                     if principal.run_id is not None else ''))
    return row
