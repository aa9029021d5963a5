"""How much waiting work an allocation queue may start agents for, counted without scanning tasks.

Eligible work is what an agent the queue starts could take now: queued tasks of the job
types it serves that are active and not paused, under their type's `max_scheduled`,
available now (no retry delay pending), and expected to end within the queue's walltime
(a queued task's type timeout, a run's expected duration or else its task timeout), and
the waiting tasks of runs it serves. A run named by another queue of the project is that
queue's alone. Queued rows are counted out of the claim's index (models.task_queued_work),
runs' waiting tasks from their counters (store.backlog), less their rows whose retry delay
is pending (store.id_lists.grouped, by the run's work index).
"""

import dataclasses
import json

from coordinator.db import run_sql
from coordinator.store.backlog import WAITING
from coordinator.store.id_lists import grouped


@dataclasses.dataclass(frozen=True, slots=True)
class Need:
    """Tasks an agent of the queue could start now, and why others that wait are left out."""

    eligible: int
    held: dict[str, int]  # reason -> tasks that wait for it, e.g. 'job type paused'


@dataclasses.dataclass(frozen=True, slots=True)
class _Type:
    name: str
    active: bool
    paused: bool
    free: int | None  # room under max_scheduled; None: no cap
    timeout_s: float | None


def need_of(queue_id: int, now: float) -> Need:
    """The eligible work of queue `queue_id` at `now`."""
    project_id, walltime_s, serves = run_sql(
        'SELECT project_id, walltime_s, serves FROM allocation_queue WHERE id = ?',
        (queue_id,)).fetchone()
    served = json.loads(serves) if serves else {'job_types': None, 'runs': None}
    types = _types(project_id)
    every = served['job_types'] is None and served['runs'] is None
    type_ids = [type_id for type_id, kind in types.items()
                if every or kind.name in (served['job_types'] or ())]
    held: dict[str, int] = {}
    eligible = _queued_work(types, type_ids, walltime_s, now, held)
    eligible += _run_work(project_id, queue_id, types, set(type_ids), served['runs'] or (),
                          walltime_s, now, held)
    return Need(eligible, held)


def _types(project_id: int) -> dict[int, _Type]:
    rows = run_sql('SELECT id, name, is_active, is_paused, max_scheduled, scheduled_count, '
                   'timeout_s FROM job_type WHERE project_id = ?', (project_id,)).fetchall()
    return {type_id: _Type(name, bool(active), bool(paused),
                           None if cap is None else max(0, cap - scheduled), timeout_s)
            for type_id, name, active, paused, cap, scheduled, timeout_s in rows}


def _blocker(kind: _Type, expected_s: float | None, walltime_s: int) -> str | None:
    """Why tasks of this type (expected to take `expected_s`) cannot go now, if they cannot."""
    if not kind.active:
        return 'job type inactive'
    if kind.paused:
        return 'job type paused'
    if expected_s is not None and expected_s > walltime_s:
        return 'longer than the walltime'
    return None


def _queued_work(types: dict[int, _Type], type_ids: list[int], walltime_s: int, now: float,
                 held: dict[str, int]) -> int:
    """Queued tasks (no run) of the served types that may go now, each type within its cap."""
    counts = grouped(type_ids, 'SELECT job_type_id, COUNT(*) FROM task '
                               "WHERE job_type_id IN ({ids}) AND status = 'queued' "
                               'AND run_id IS NULL AND available_at <= ? GROUP BY job_type_id',
                     params=(now,))
    eligible = 0
    for type_id, count in counts:
        kind = types[type_id]
        reason = _blocker(kind, kind.timeout_s, walltime_s)
        if reason is None and kind.free is not None and count > kind.free:
            reason, count, eligible = 'job type at max_scheduled', count - kind.free, \
                eligible + kind.free
        if reason is None:
            eligible += count
        else:
            held[reason] = held.get(reason, 0) + count
    return eligible


def _run_work(project_id: int, queue_id: int, types: dict[int, _Type], type_ids: set[int],
              named: list[str], walltime_s: int, now: float, held: dict[str, int]) -> int:
    """Waiting tasks of the runs the queue serves: those it names, and those of its types that
    no other queue names."""
    runs = run_sql(f'SELECT id, uuid, job_type_id, {WAITING}, '
                   'COALESCE(expected_duration_s, task_timeout_s) FROM run '
                   'WHERE project_id = ? AND NOT deleting AND NOT loading '
                   f'AND cancelled_at IS NULL AND {WAITING} > 0', (project_id,)).fetchall()
    if not runs:
        return 0
    elsewhere = _runs_named_elsewhere(project_id, queue_id)
    mine = [(run_id, type_id, waiting, expected) for run_id, uuid, type_id, waiting, expected
            in runs if uuid in named or (type_id in type_ids and uuid not in elsewhere)]
    delayed = dict(grouped([run_id for run_id, *_ in mine],
                           'SELECT run_id, COUNT(*) FROM task WHERE run_id IN ({ids}) '
                           "AND status = 'queued' AND available_at > ? GROUP BY run_id",
                           head=(now,)))
    eligible = 0
    for run_id, type_id, waiting, expected in mine:
        reason = _blocker(types[type_id], expected, walltime_s)
        if reason is None:
            eligible += waiting - delayed.get(run_id, 0)
        else:
            held[reason] = held.get(reason, 0) + waiting
    return eligible


def _runs_named_elsewhere(project_id: int, queue_id: int) -> set[str]:
    """Runs another queue of the project names: theirs alone."""
    found = set()
    for (serves,) in run_sql('SELECT serves FROM allocation_queue WHERE project_id = ? '
                             'AND id <> ? AND serves IS NOT NULL',
                             (project_id, queue_id)).fetchall():
        found.update(json.loads(serves).get('runs') or ())
    return found
