"""Why a task is waiting: each reason the dispatcher does not hand it out now, in plain words.

A queued task waits while its job type is paused or inactive, while its type is at
`max_scheduled` (queued work only: a run's tasks are not capped), until its
`available_at` (a retry delay), while no live agent serves it (a `farmworker run`
agent of its run, a `farmworker serve` agent of its type, or a stock client for
runs), or when it would not end within any serving agent's remaining walltime.
With none of these, it is in line: the answer says how many tasks of its type are
ahead of it. The reasons are computed on demand, never stored.
"""

import dataclasses
import datetime
import json
import time

from coordinator.db import run_sql
from coordinator.errors import NotFound
from coordinator.states import TaskState, WorkerState
from coordinator.store import runs
from coordinator.store.access import Principal
from coordinator.store.worker_views import visible

AHEAD_COUNTED = 10_000  # beyond this, "more than" is all a person needs
_SERVING = (WorkerState.IDLE.value, WorkerState.BUSY.value)  # draining agents claim nothing


@dataclasses.dataclass(frozen=True, slots=True)
class Waiting:
    """A task's state and, when it is queued, why it is not handed out (empty: it is in line)."""

    status: str
    reasons: list[str]
    ahead: int | None = None  # queued tasks of its type handed out before it, when in line


@dataclasses.dataclass(frozen=True, slots=True)
class _Facts:
    """What the reasons are drawn from, for a task with a row or a run's untouched task."""

    task_id: int | None
    status: str
    priority: int
    available_at: float
    job_type_id: int
    run_uuid: str | None
    expected_s: float | None  # how long it is expected to run, where anything says


def for_task(principal: Principal, task_id: int, now: float | None = None) -> Waiting:
    """Why the project's task `task_id` waits, or NotFound."""
    row = run_sql(
        'SELECT t.id, t.status, t.priority, t.available_at, t.job_type_id, r.uuid, '
        'COALESCE(r.expected_duration_s, t.timeout_s) FROM task t '
        'LEFT JOIN run r ON r.id = t.run_id '
        'WHERE t.id = ? AND t.project_id = ? AND (r.id IS NULL OR NOT r.deleting) '
        'AND (? IS NULL OR t.run_id = ?)',
        (task_id, principal.project_id, principal.run_id, principal.run_id)).fetchone()
    if row is None:
        raise NotFound(f'no task {task_id}')
    return _explain(principal, _Facts(*row), time.time() if now is None else now)


def for_run_task(principal: Principal, run_uuid: str, number: int,
                 now: float | None = None) -> Waiting:
    """Why task `number` of a visible run waits (one never claimed is queued), or NotFound."""
    run, task = runs.find_run_task(principal, run_uuid, number)
    (expected,) = run_sql('SELECT expected_duration_s FROM run WHERE id = ?',
                          (run.id,)).fetchone()
    if task is None:
        status = TaskState.CANCELLED.value if run.cancelled_at else TaskState.QUEUED.value
        facts = _Facts(None, status, 0, 0.0, run.job_type_id, run_uuid, expected)
    else:
        (available_at,) = run_sql('SELECT available_at FROM task WHERE id = ?',
                                  (task[0],)).fetchone()
        facts = _Facts(task[0], task[1], 0, available_at, run.job_type_id, run_uuid, expected)
    return _explain(principal, facts, time.time() if now is None else now)


def _explain(principal: Principal, facts: _Facts, now: float) -> Waiting:
    if facts.status != TaskState.QUEUED.value:
        return Waiting(facts.status, [])
    name, version, active, paused, cap, scheduled = run_sql(
        'SELECT name, version, is_active, is_paused, max_scheduled, scheduled_count '
        'FROM job_type WHERE id = ?', (facts.job_type_id,)).fetchone()
    kind = f'its job type {name} {version}'
    reasons = []
    if not active:
        reasons.append(f'{kind} is inactive')
    if paused:
        reasons.append(f'{kind} is paused')
    if facts.run_uuid is None and cap is not None and scheduled >= cap:
        reasons.append(f'{kind} is at max_scheduled: {scheduled} of {cap} running')
    if facts.available_at > now:
        reasons.append(f'delayed until {_instant(facts.available_at)} (a retry delay)')
    reasons += _agent_reasons(principal, facts, name, now)
    ahead = None if reasons or facts.run_uuid is not None else _ahead(facts)
    return Waiting(facts.status, reasons, ahead)


def _agent_reasons(principal: Principal, facts: _Facts, type_name: str, now: float) -> list[str]:
    """None serves it, or none that does has the walltime left to run it."""
    where, params = visible(principal)
    agents = run_sql(f'SELECT serves, walltime_end_at FROM worker WHERE {where} '
                     f'AND state IN ({", ".join("?" * len(_SERVING))})',
                     (*params, *_SERVING)).fetchall()
    serving = [end for serves, end in agents if _serves(serves, facts.run_uuid, type_name)]
    if not serving:
        what = (f'works on run {facts.run_uuid} or serves' if facts.run_uuid else 'serves')
        return [f'no live agent {what} job type {type_name}']
    if facts.expected_s is None or any(end is None for end in serving):
        return []
    most = max(end - now for end in serving)
    if most < facts.expected_s:
        return [f'it would not fit in any agent\'s remaining walltime: it may take '
                f'{facts.expected_s:.0f} s, the most left is {max(most, 0):.0f} s']
    return []


def _serves(serves: str | None, run_uuid: str | None, type_name: str) -> bool:
    """Whether an agent that said `serves` (models.Worker.serves) would claim the task."""
    if serves is None:  # a stock taskfarm client: it works on runs
        return run_uuid is not None
    said = json.loads(serves)
    if 'run' in said:
        return said['run'] == run_uuid
    return said['job_types'] is None or type_name in said['job_types']


def _ahead(facts: _Facts) -> int:
    """Queued tasks of its type, available now, that a claim takes before it (up to a bound)."""
    (count,) = run_sql(
        'SELECT COUNT(*) FROM (SELECT 1 FROM task WHERE job_type_id = ? '
        "AND status = 'queued' AND run_id IS NULL AND (priority > ? OR priority = ? AND id < ?) "
        'LIMIT ?) AS ahead',
        (facts.job_type_id, facts.priority, facts.priority, facts.task_id,
         AHEAD_COUNTED + 1)).fetchone()
    return count


def _instant(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).isoformat(
        timespec='seconds')
