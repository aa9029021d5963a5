"""Job-type health as Scale's status views count it: tasks of every family by type and status.

GROUP BY queries that read indexes and counters, not rows: tasks that finished in a window
out of per-minute counters (coordinator.store.type_activity) and, for its partial first and
last minutes, the finished-task index of schema 11 (models.STATUS_INDEX); queued ones out of
QUEUE_INDEX, one range per type and state; running ones, as many as agents have slots,
through the status index. A view's cost follows its window and the tasks waiting and running,
not the tasks it counts as finished nor the table's 10**7 rows.
A run's tasks count under its type (the built-in system type unless it named one),
those never handed out too (`backlog`). Tasks of a run being deleted count until
maintenance has purged them.

Scale's names (states.scale_status): a queued task waiting out a delay is PENDING.
"""

import collections
import dataclasses

from coordinator import failures
from coordinator.db import pinned_index, run_sql
from coordinator.models import FINISHED
from coordinator.states import ScaleStatus, TaskState, scale_states, scale_status
from coordinator.store import backlog, job_type_views, type_activity
from coordinator.store.id_lists import grouped, marks
from coordinator.store.access import Principal
from coordinator.store.job_type_views import Filters, TypeView

_FAILED = tuple(sorted(state.value for state in scale_states(ScaleStatus.FAILED)))
# the order a type's counts are listed in
_ORDER = {status: index for index, status in enumerate(
    (ScaleStatus.PENDING, ScaleStatus.QUEUED, ScaleStatus.RUNNING, ScaleStatus.FAILED,
     ScaleStatus.COMPLETED, ScaleStatus.CANCELED))}


@dataclasses.dataclass(frozen=True, slots=True)
class JobCount:
    """Tasks of a type in one status (and, when FAILED, one error category)."""

    status: ScaleStatus
    count: int
    most_recent: float  # when the last of them reached the status
    category: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class LastFailure:
    """The latest failure of a type, whenever it was."""

    at: float
    state: TaskState  # error, timeout or killed: all FAILED to Scale
    category: str | None
    error_name: str | None


@dataclasses.dataclass(frozen=True, slots=True)
class TypeStatus:
    """A type's counts in a window (RUNNING whatever the window), what waits now, its last
    failure."""

    view: TypeView
    counts: tuple[JobCount, ...]
    queued_now: int
    last_failure: LastFailure | None


@dataclasses.dataclass(frozen=True, slots=True)
class TypeTally:
    """How many tasks of a type are in one status, and since when the longest-standing one is."""

    view: TypeView
    count: int
    since: float


@dataclasses.dataclass(frozen=True, slots=True)
class SystemFailure:
    """Tasks of a type that failed with one SYSTEM error: how many, first and last."""

    view: TypeView
    error: failures.Error
    count: int
    first_at: float
    last_at: float


def status(principal: Principal, start: float, end: float, is_active: bool | None,
           offset: int, limit: int, now: float) -> tuple[int, list[TypeStatus]]:
    """(how many types match `is_active`, the page of them by name and version, each with its
    tasks that reached their status between `start` and `end`, and every running one)."""
    count, views = job_type_views.list_types(principal, Filters(is_active=is_active),
                                             ('name', 'version'), offset, limit)
    ids = [view.id for view in views]
    counts = _merged([*_running(ids), *type_activity.finished_between(ids, start, end),
                      *_queued_between(principal, ids, start, end, now)])
    queued = _queued_now(principal, ids)
    last = _last_failures(ids)
    return count, [TypeStatus(view, tuple(sorted(counts.get(view.id, ()), key=_listed)),
                              queued.get(view.id, 0), last.get(view.id)) for view in views]


def pending(principal: Principal, offset: int, limit: int,
            now: float) -> tuple[int, list[TypeTally]]:
    """(how many types have PENDING tasks, the page of them, the longest pending first)."""
    types = job_type_views.by_id(principal)
    rows = grouped(list(types), 'SELECT job_type_id, COUNT(*), MIN(queued_at) FROM task '
                                 "WHERE job_type_id IN ({ids}) AND status = 'queued' "
                                 'AND available_at > ? GROUP BY job_type_id', (now,))
    return _page([TypeTally(types[type_id], count, since) for type_id, count, since in rows],
                 offset, limit)


def running(principal: Principal, offset: int, limit: int) -> tuple[int, list[TypeTally]]:
    """(how many types have RUNNING tasks, the page of them, the longest running first)."""
    types = job_type_views.by_id(principal)
    return _page([TypeTally(types[type_id], count, since)
                  for type_id, (count, since, _) in _running_tasks(list(types)).items()],
                 offset, limit)


def system_failures(principal: Principal, offset: int,
                    limit: int) -> tuple[int, list[SystemFailure]]:
    """(how many (type, SYSTEM error) pairs failed tasks, ever, the page of them, the most
    recent first). Failures from before errors were named (schema 11) are `unknown`."""
    types = job_type_views.by_id(principal)
    rows = grouped(list(types), 'SELECT job_type_id, error_name, COUNT(*), '
                                 'MIN(status_changed_at), MAX(status_changed_at) FROM task '
                                 'WHERE job_type_id IN ({ids}) '
                                 f'AND status IN ({marks(_FAILED)}) AND {FINISHED} '
                                 "AND error_category = 'SYSTEM' "
                                 'GROUP BY job_type_id, error_name', _FAILED)
    merged: dict[tuple[int, str], list] = {}
    for type_id, name, count, first, last in rows:
        name = name if name in failures.BUILTIN else failures.UNKNOWN.name
        seen = merged.setdefault((type_id, name), [0, first, last])
        seen[0], seen[1], seen[2] = seen[0] + count, min(seen[1], first), max(seen[2], last)
    found = [SystemFailure(types[type_id], failures.BUILTIN[name], count, first, last)
             for (type_id, name), (count, first, last) in merged.items()]
    found.sort(key=lambda item: (-item.last_at, item.view.name, item.error.name))
    return len(found), found[offset:offset + limit]


def by_state(type_id: int, start: float, end: float) -> dict[TaskState, int]:
    """How many tasks of one type are queued and running now, and how many reached each final
    state between `start` and `end` (none of a state: absent)."""
    counts = collections.Counter()
    finished = type_activity.finished_between([type_id], start, end)
    for _, state, _, count, _ in (*_running([type_id]), *finished):
        counts[TaskState(state)] += count
    counts[TaskState.QUEUED] += _queued_tasks([type_id]).get(type_id, 0)
    return {state: count for state, count in counts.items() if count}


def _running(ids: list[int]) -> list[tuple]:
    return [(type_id, TaskState.RUNNING.value, None, count, latest)
            for type_id, (count, _, latest) in _running_tasks(ids).items()]


# Running tasks out of the (worker, status) index, one range per worker and one for tasks of
# no worker (set running by hand): no other index holds them, and `status = 'running'` alone
# read the whole table (5 s at 10^7 rows). The index is named on SQLite, whose statistics
# count the NULL workers of finished tasks as one value and would rather scan; and the
# workers are an IN list, not a join, for which SQLite first built a Bloom filter out of
# the whole index (125 ms at 10^6 rows).
_RUNNING = ('SELECT job_type_id, COUNT(*), MIN(status_changed_at), MAX(status_changed_at) '
            'FROM task{pinned} WHERE {worker} '
            "AND status = 'running' AND job_type_id IN ({ids}) GROUP BY job_type_id")


def _running_tasks(ids: list[int]) -> dict[int, tuple[int, float, float]]:
    """{type id: (running tasks, the earliest and the latest time one started running)}."""
    found: dict[int, tuple[int, float, float]] = {}
    pinned = pinned_index('task_worker_id_status')
    held, unheld = (_RUNNING.format(pinned=pinned, worker=worker, ids='{ids}') for worker in
                    ('worker_id IN (SELECT id FROM worker)', 'worker_id IS NULL'))
    for type_id, count, earliest, latest in grouped(ids, held) + grouped(ids, unheld):
        if type_id in found:
            seen = found[type_id]
            count, earliest, latest = (seen[0] + count, min(seen[1], earliest),
                                       max(seen[2], latest))
        found[type_id] = (count, earliest, latest)
    return found


def _queued_between(principal: Principal, ids: list[int], start: float, end: float,
                    now: float) -> list[tuple]:
    """(type id, PENDING or QUEUED, None, count, latest) of tasks queued in the window and
    waiting still; a run's tasks never handed out were queued when it was created."""
    rows = [(type_id, _queued_name(delayed, now), None, count, latest)
            for type_id, delayed, count, latest in grouped(
                ids, 'SELECT job_type_id, CASE WHEN available_at > ? THEN 1 ELSE 0 END, '
                     "COUNT(*), MAX(queued_at) FROM task WHERE job_type_id IN ({ids}) "
                     "AND status = 'queued' AND queued_at >= ? AND queued_at <= ? "
                     'GROUP BY 1, 2', (start, end), head=(now,))]
    wanted = set(ids)
    return rows + [(item.job_type_id, ScaleStatus.QUEUED, None, item.count, item.since)
                   for item in backlog.unclaimed(principal.project_id, start, end)
                   if item.job_type_id in wanted]


def _queued_name(delayed: int, now: float) -> ScaleStatus:
    """PENDING or QUEUED, as states.scale_status decides: `delayed` when available after now."""
    return scale_status(TaskState.QUEUED, now + 1 if delayed else now, now)


def _queued_now(principal: Principal, ids: list[int]) -> dict[int, int]:
    """How many tasks of each type wait now, delayed or not, runs' unclaimed ones included."""
    counts = _queued_tasks(ids)
    wanted = set(ids)
    for item in backlog.unclaimed(principal.project_id):
        if item.job_type_id in wanted:
            counts[item.job_type_id] = counts.get(item.job_type_id, 0) + item.count
    return counts


def _queued_tasks(ids: list[int]) -> dict[int, int]:
    """How many queued task rows of each type there are (runs' unclaimed tasks have none)."""
    return dict(grouped(ids, 'SELECT job_type_id, COUNT(*) FROM task '
                             "WHERE job_type_id IN ({ids}) AND status = 'queued' "
                             'GROUP BY job_type_id'))


# the latest task of one type in one failed state: the top of its range of the status index
_LAST = ('SELECT * FROM (SELECT job_type_id, status_changed_at, status, error_category, '
         f'error_name FROM task WHERE job_type_id = ? AND status = ? AND {FINISHED} '
         'AND status_changed_at IS NOT NULL ORDER BY status_changed_at DESC LIMIT 1) AS last')


def _last_failures(ids: list[int]) -> dict[int, LastFailure]:
    heads = [(type_id, state) for type_id in ids for state in _FAILED]
    latest: dict[int, LastFailure] = {}
    for start in range(0, len(heads), 150):  # three heads a type, 500 terms at most
        part = heads[start:start + 150]
        for type_id, at, state, category, name in run_sql(
                ' UNION ALL '.join([_LAST] * len(part)),
                tuple(value for head in part for value in head)).fetchall():
            if type_id not in latest or at > latest[type_id].at:
                latest[type_id] = LastFailure(at, TaskState(state), category, name)
    return latest


def _merged(rows: list[tuple]) -> dict[int, list[JobCount]]:
    """Counts by type, states that share a Scale name added up (FAILED: by category)."""
    merged: dict[tuple, list] = {}
    for type_id, state, category, count, latest in rows:
        name = state if isinstance(state, ScaleStatus) else scale_status(TaskState(state), 0, 0)
        key = (type_id, name, category if name is ScaleStatus.FAILED else None)
        seen = merged.setdefault(key, [0, latest])
        seen[0], seen[1] = seen[0] + count, max(seen[1], latest)
    by_type: dict[int, list[JobCount]] = {}
    for (type_id, name, category), (count, latest) in merged.items():
        by_type.setdefault(type_id, []).append(JobCount(name, count, latest, category))
    return by_type


def _listed(count: JobCount) -> tuple:
    return _ORDER[count.status], count.category or ''


def _page(tallies: list[TypeTally], offset: int, limit: int) -> tuple[int, list[TypeTally]]:
    tallies.sort(key=lambda tally: (tally.since, tally.view.name, tally.view.id))
    return len(tallies), tallies[offset:offset + limit]
