"""Queued work: a job type's tasks with a payload and no run: queued, claimed by priority, reported.

A queued task is pinned to its type's revision of the moment and carries the
type's retry policy as it was then. Claims take the highest priority first,
then the oldest, never from a paused or inactive type, never before a task's
`available_at`, and never past a type's `max_scheduled`: the type's
`scheduled_count` moves in the same transaction as its tasks, so the cap holds
without counting rows, across any number of coordinator processes.
"""

import collections
import dataclasses
import enum
import functools
import math
import time

from coordinator.db import database, run_sql
from coordinator.errors import Conflict, InvalidInput
from coordinator.metrics import instruments
from coordinator.states import TaskState
from coordinator.store import job_types, reports, workers
from coordinator.store.access import Principal, require_manager
from coordinator.store.moves import leaving_for

MAX_PAYLOAD_BYTES = 64 * 1024
_INSERT_CHUNK = 500  # rows per INSERT statement
_QUEUED, _RUNNING = TaskState.QUEUED.value, TaskState.RUNNING.value
_CLAIM_TRIES = 3  # a claim that keeps meeting caps filled under it returns nothing


@dataclasses.dataclass(frozen=True, slots=True)
class Order:
    """One task to queue; a None priority or timeout takes its type's."""

    payload: str | None = None
    priority: int | None = None
    delay_s: float = 0.0
    timeout_s: float | None = None
    label: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Claimed:
    """A queued task handed to a worker: what it runs, and the attempt that fences its results."""

    id: int
    attempt: int
    job_type_id: int
    revision_id: int | None
    payload: str | None
    timeout_s: int | None


def queue_tasks(principal: Principal, name: str, version: str, orders: list[Order],
                now: float | None = None) -> list[int]:
    """Queue tasks of the type `name` `version` (it may be paused, not inactive); their ids."""
    require_manager(principal)
    now = time.time() if now is None else now
    for order in orders:
        if order.payload is not None and len(order.payload.encode()) > MAX_PAYLOAD_BYTES:
            raise InvalidInput(f'a payload may hold {MAX_PAYLOAD_BYTES} bytes at most')
    with database.write():
        job_type = job_types.find(principal, name, version)
        if not job_type.is_active:
            raise Conflict(f'job type {name} {version} is inactive: it takes no new work')
        (revision_id,) = run_sql('SELECT id FROM job_type_revision WHERE job_type_id = ? '
                                 'AND revision_num = ?',
                                 (job_type.id, job_type.revision_num)).fetchone()
        return insert(principal.project_id, job_type, revision_id, orders, now)


def insert(project_id: int, job_type, revision_id: int, orders: list[Order],
           now: float, *, fired: tuple[int, float] | None = None) -> list[int]:
    """Insert `orders` as queued tasks of `job_type` pinned to `revision_id`, in the caller's
    transaction, a few statements of many rows each; their ids, in order.

    `fired` is the (schedule, fire time) the one order stands for: a fire time that already
    has its task (the unique firing index) inserts nothing, and the list is empty.
    """
    if fired is not None and len(orders) != 1:
        raise ValueError('a firing queues exactly one task')
    rows = [(project_id, job_type.id, revision_id, _QUEUED,
             job_type.priority if order.priority is None else order.priority,
             order.payload, now + order.delay_s,
             _whole_seconds(job_type.timeout_s if order.timeout_s is None else order.timeout_s),
             job_type.max_tries, job_type.retry_delay_s, order.label, now, now, now,
             *(fired or ()))
            for order in orders]
    columns = ', schedule_id, fire_at' if fired else ''
    conflict = ' ON CONFLICT DO NOTHING' if fired else ''
    ids = []
    for start in range(0, len(rows), _INSERT_CHUNK):
        chunk = rows[start:start + _INSERT_CHUNK]
        values = '(' + ', '.join('?' * len(chunk[0])) + ', 0, 0, 0)'
        ids += [row[0] for row in run_sql(
            'INSERT INTO task (project_id, job_type_id, job_type_revision_id, status, '
            'priority, payload, available_at, timeout_s, max_tries, retry_delay_s, label, '
            f'created_at, queued_at, status_changed_at{columns}, attempt, failed_tries, '
            f'percent) VALUES {", ".join([values] * len(chunk))}{conflict} RETURNING id',
            tuple(value for row in chunk for value in row)).fetchall()]
    return ids


def _whole_seconds(timeout_s: float | None) -> int | None:
    return None if timeout_s is None else math.ceil(timeout_s)


class Band(enum.Enum):
    """Which priorities a claim takes: the dispatcher serves runs (priority 0) between bands."""

    ALL = ''
    HIGH = ' AND priority >= 0'
    LOW = ' AND priority < 0'


def claim(principal: Principal, worker_uuid: str, max_tasks: int,
          type_names: list[str] | None = None, now: float | None = None) -> list[Claimed]:
    """Up to `max_tasks` queued tasks for a worker, of the named types (None: any); a heartbeat."""
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    with database.write():  # the heartbeat in the claim's transaction: one commit
        claimed = take(principal.project_id, worker_id, max_tasks, type_names, now)
        workers.touch(worker_id, now)
    return claimed


def take(project_id: int, worker_id: int, max_tasks: int, type_names: list[str] | None,
         now: float, band: Band = Band.ALL) -> list[Claimed]:
    """`claim` for a worker already checked, of the priorities in `band`, without the heartbeat."""
    for _ in range(_CLAIM_TRIES):
        try:
            claimed = _claim_once(project_id, worker_id, max_tasks, type_names, now, band)
            instruments.claimed('queue', len(claimed))
            return claimed
        except _CapFilled:
            continue  # undone whole: look again at what the caps allow now
    return []


class _CapFilled(Exception):
    """Another process filled a type's cap between reading it and counting this claim."""


def _claim_once(project_id: int, worker_id: int, max_tasks: int, type_names: list[str] | None,
                now: float, band: Band) -> list[Claimed]:
    with database.write():
        room = _room(project_id, type_names, max_tasks)
        claimed = _take_best(room, max_tasks, worker_id, now, band) if room else []
        if not job_types.reserve_running(collections.Counter(task.job_type_id
                                                             for task in claimed)):
            raise _CapFilled()
    return claimed


def _room(project_id: int, type_names: list[str] | None, max_tasks: int) -> dict[int, int]:
    """How many tasks each eligible type may still start: active, not paused, under its cap."""
    names = '' if type_names is None else f' AND name IN ({", ".join("?" * len(type_names))})'
    rows = run_sql('SELECT id, max_scheduled, scheduled_count FROM job_type '
                   f'WHERE project_id = ? AND is_active AND NOT is_paused{names}',
                   (project_id, *(type_names or ()))).fetchall()
    room = {type_id: max_tasks if cap is None else min(max_tasks, cap - running)
            for type_id, cap, running in rows}
    return {type_id: count for type_id, count in room.items() if count > 0}


def _take_best(room: dict[int, int], max_tasks: int, worker_id: int, now: float,
               band: Band) -> list[Claimed]:
    """The best tasks available now that `room` allows, moved to running for the worker.

    PostgreSQL: claims at the same moment read the same best tasks, and each skips the
    ones another holds (SKIP LOCKED). A claim that met some looks again past them, rather
    than come back short or empty: a serve agent given nothing waits before it asks again,
    and two agents' claims met on half of them. SQLite's claims take turns and never meet.
    """
    claimed, passed = [], {}  # passed: task id -> type, of tasks another claim holds
    for _ in range(_LOOKS):
        candidates = _candidates(room, max_tasks - len(claimed), now, band, passed)
        got = _take([task_id for task_id, _ in candidates], worker_id, now)
        claimed += got
        if len(got) == len(candidates) or len(claimed) == max_tasks:
            break
        taken = {task.id for task in got}
        passed.update((task_id, type_id) for task_id, type_id in candidates
                      if task_id not in taken)
        for task in got:
            room[task.job_type_id] -= 1
    return claimed


def _candidates(room: dict[int, int], max_tasks: int, now: float, band: Band,
                passed: dict[int, int]) -> list[tuple[int, int]]:
    """(id, type) of the best `max_tasks` tasks available now, at most `room[type]` per type,
    none of those `passed` (id -> type).

    Each type's head is read in claim order through its own range of the task_queued_work
    index (status and run are literals, so the partial index applies), and the database
    merges the heads, reading only as far into each range as the best tasks reach:
    reading every type's `room` rows and sorting them here cost ~50 us per task claimed.
    """
    skipped = collections.Counter(passed.values())
    limits = {type_id: count + skipped[type_id] for type_id, count in room.items() if count > 0}
    read = _heads_postgres if database.for_update else _heads_sqlite
    best, per_type = [], collections.Counter()
    for task_id, _, type_id in read(limits, max_tasks + len(passed), now, band):
        if task_id in passed or per_type[type_id] == room[type_id]:
            continue
        per_type[type_id] += 1
        best.append((task_id, type_id))
        if len(best) == max_tasks:
            break
    return best


def _heads_sqlite(limits: dict[int, int], max_tasks: int, now: float, band: Band) -> list[tuple]:
    """The best `max_tasks` (id, priority, type) of the heads, at most `limits[type]` each."""
    heads = sorted(limits.items())
    best = []
    for start in range(0, len(heads), _ARMS):
        part = heads[start:start + _ARMS]
        # an arm whose type may give `max_tasks` is a plain range, which SQLite merges as it
        # reads it; a capped one is a subquery with its own LIMIT, which SQLite sorts first
        arms = [(_ARM if count >= max_tasks else _CAPPED_ARM).format(band=band.value)
                for _, count in part]
        params = [value for type_id, count in part
                  for value in ((type_id, now) if count >= max_tasks else (type_id, now, count))]
        best += run_sql(' UNION ALL '.join(arms) + ' ORDER BY 2 DESC, 1 LIMIT ?',
                        (*params, max_tasks)).fetchall()
    if len(heads) > _ARMS:
        best.sort(key=lambda row: (-row[1], row[0]))
    return best[:max_tasks]


_LOOKS = 3  # PostgreSQL: looks past tasks other claims hold, before a claim settles for less
_ARMS = 200  # SQLite allows 500 terms in a compound SELECT
_ARM = ('SELECT id, priority, job_type_id FROM task WHERE job_type_id = ? '
        "AND status = 'queued' AND run_id IS NULL AND available_at <= ?{band}")
_CAPPED_ARM = f'SELECT * FROM ({_ARM} ORDER BY priority DESC, id LIMIT ?)'


def _heads_postgres(limits: dict[int, int], max_tasks: int, now: float,
                    band: Band) -> list[tuple]:
    """`_heads_sqlite` on PostgreSQL: a Merge Append of the heads, as a prepared statement.

    Planning ~100 heads took longer than running them, so the statement is planned once
    per connection for each number of heads, rounded up to a power of two, two at least
    (the spare heads are of no type and LIMIT 0; a lone head would be a query with two
    ORDER BY clauses).
    """
    arms = max(2, 1 << (len(limits) - 1).bit_length())
    type_ids = sorted(limits)
    counts = [limits[type_id] for type_id in type_ids]
    padding = arms - len(type_ids)
    return database.execute_prepared(
        f'farm_queue_heads_{band.name.lower()}_{arms}', _heads_statement(arms, band),
        (type_ids + [0] * padding, counts + [0] * padding, now, max_tasks)).fetchall()


@functools.lru_cache(maxsize=64)
def _heads_statement(arms: int, band: Band) -> str:
    arm = ('(SELECT id, priority, job_type_id FROM task '
           'WHERE job_type_id = ($1::integer[])[{k}] '
           "AND status = 'queued' AND run_id IS NULL AND available_at <= $3::double precision"
           '{band} ORDER BY priority DESC, id LIMIT ($2::integer[])[{k}])')
    return (' UNION ALL '.join(arm.format(k=k, band=band.value) for k in range(1, arms + 1))
            + ' ORDER BY priority DESC, id LIMIT $4::integer')


def _take(task_ids: list[int], worker_id: int, now: float) -> list[Claimed]:
    """Move the candidates still queued to running for the worker (others may have taken some,
    or hold them: PostgreSQL skips those)."""
    if not task_ids:
        return []
    leaving, olds = leaving_for(TaskState.RUNNING)
    which = f'id IN ({", ".join("?" * len(task_ids))}) AND {leaving}'
    if database.for_update:  # SQLite's write lock is the whole file's
        which = f'id IN (SELECT id FROM task WHERE {which} FOR UPDATE SKIP LOCKED)'
    rows = run_sql(
        'UPDATE task SET status = ?, worker_id = ?, attempt = attempt + 1, started_at = ?, '
        f'status_changed_at = ?, ended_at = NULL, exit_code = NULL WHERE {which} '
        'RETURNING id, attempt, job_type_id, job_type_revision_id, payload, timeout_s, priority',
        (_RUNNING, worker_id, now, now, *task_ids, *olds)).fetchall()
    rows.sort(key=lambda row: (-row[6], row[0]))
    return [Claimed(*row[:6]) for row in rows]


def report(principal: Principal, worker_uuid: str, results: list[reports.Result],
           now: float | None = None) -> reports.Receipt:
    """Apply results for queued tasks (`Result.number` is the task id), fenced by attempt."""
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    receipt = reports.Receipt()
    with database.write():
        of_runs = settle(principal.project_id, worker_id, results, now, receipt)
        # a run's task is no queued work
        reports.refuse_unclaimed([result for results in of_runs.values() for result in results],
                                 receipt)
        workers.touch(worker_id, now)
    return receipt


def settle(project_id: int, worker_id: int, results: list[reports.Result], now: float,
           receipt: reports.Receipt) -> dict[int, list[reports.Result]]:
    """`report`'s work inside the caller's transaction, for a worker already checked.

    Results for tasks of the project's runs are left alone, and returned by run: a run's
    results are applied under its lock (`serve.report` does). The tasks are read by id
    alone (`_task_rows`), queued work first and locked, then any others: with the project
    in the SQL, PostgreSQL without statistics yet (a new table) read every task of the
    project through its index, not 100 by their ids.
    """
    ended = collections.Counter()  # tasks that stopped running, by type

    def count(row, new, percent_delta):
        if new is not TaskState.RUNNING:
            ended[row[6]] += 1

    rows = _task_rows(project_id, {result.number for result in results})
    queued, of_runs = [], {}
    for result in results:
        row = rows.get(result.number)
        if row is not None and row[9] is not None:
            of_runs.setdefault(row[9], []).append(result)
        else:  # queued work, or no task of the project's: refused as such
            queued.append(result)
    errors = job_types.RevisionErrors()  # read once per revision that failed a task
    reports.settle({task_id: row for task_id, row in rows.items() if row[9] is None}, queued,
                   worker_id, now, receipt, lambda row: row[7:9], count,
                   lambda row: errors.of(row[10]))
    job_types.release_running(ended)
    return of_runs


def _task_rows(project_id: int, task_ids: set[int]) -> dict[int, tuple]:
    """The project's tasks among `task_ids`, as `reports.settle` reads them, then their run and
    revision.

    Queued work's rows are locked (PostgreSQL; SQLite's write lock is the whole file's) until
    the report commits: the reaper or a goodbye requeueing them meanwhile would leave the
    results' conditional UPDATE moving fewer rows than were read. Locked in id order, as the
    reaper moves them, so the two never deadlock; a run's tasks are read without a lock, as
    their results are applied under the run's lock (`reports.settle_run`).
    """
    if not task_ids:
        return {}
    # `run_id IS NULL` would let PostgreSQL read every queued task through an index on run_id,
    # 20,000 rows for a batch of 100; COALESCE keeps it to the batch's ids
    rows = _select_tasks(task_ids, ' AND COALESCE(run_id, 0) = 0 ORDER BY id FOR UPDATE')
    if len(rows) < len(task_ids):  # the others are runs' tasks, if anything (a run is for life)
        rows += _select_tasks(task_ids - {row[0] for row in rows})
    return {row[0]: row[:11] for row in rows if row[11] == project_id}


def _select_tasks(task_ids: set[int], condition: str = '') -> list[tuple]:
    return run_sql(
        'SELECT id, status, attempt, worker_id, percent, failed_tries, job_type_id, max_tries, '
        'retry_delay_s, run_id, job_type_revision_id, project_id FROM task '
        f'WHERE id IN ({", ".join("?" * len(task_ids))}){condition}',
        tuple(sorted(task_ids))).fetchall()
