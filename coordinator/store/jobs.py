"""Jobs: queued work of a job type (a task with a payload and no run), queued with its inputs
checked against the type's manifest, and read back one at a time or in filtered pages.

A job's payload is the JSON object {"input": {name: value, ...}}, as agents read it.
Jobs of every family are listed, the Scale family's and others' alike; a payload that is
not such an object (work another family queued) reads as no input.
"""

import dataclasses
import json
import time

from coordinator.db import database, run_sql
from coordinator.errors import Forbidden, InvalidInput, NotFound
from coordinator.seed.inputs import input_problems
from coordinator.states import ScaleStatus, TaskState, scale_states
from coordinator.store import job_types, queue
from coordinator.store.access import Principal, require_manager
from coordinator.store.id_lists import marks
from coordinator.store.queue import Order


@dataclasses.dataclass(frozen=True, slots=True)
class JobView:
    """A job as people read it: its type, state, input, outcome and times."""

    id: int
    job_type_id: int
    job_type_name: str
    job_type_version: str
    job_type_title: str | None
    revision_num: int | None
    state: TaskState
    available_at: float
    priority: int
    attempt: int
    max_tries: int | None
    input: dict | None
    output: object
    error_category: str | None
    error_name: str | None
    exit_code: int | None
    created_at: float
    queued_at: float | None
    started_at: float | None
    ended_at: float | None
    status_changed_at: float | None


@dataclasses.dataclass(frozen=True)
class JobFilters:
    """Which jobs a list holds: any of `statuses` (Scale's names), of the types named or of
    the type ids given; all unless told."""

    statuses: tuple[ScaleStatus, ...] = ()
    type_names: tuple[str, ...] = ()
    type_ids: tuple[int, ...] = ()


def queue_job(principal: Principal, name: str, version: str, inputs: dict,
              priority: int | None = None, now: float | None = None) -> int:
    """Queue one job of the type `name` `version` with `inputs`, checked against the manifest
    of the revision it is pinned to; its id. Paused types take jobs (they wait), inactive and
    system ones do not."""
    require_manager(principal)
    now = time.time() if now is None else now
    payload = json.dumps({'input': inputs}, separators=(',', ':'))
    with database.write():
        if job_types.find(principal, name, version).is_system:
            raise Forbidden(f'{name} {version} is a system job type: its tasks are those of '
                            'runs; queue jobs of a type of your own')
        (job_id,) = queue.queue_tasks(principal, name, version,
                                      [Order(payload=payload, priority=priority)], now=now)
        # checked against the manifest of the revision the job was pinned to, whatever edit
        # came between; a refusal undoes the queueing with the transaction
        (manifest,) = run_sql('SELECT r.manifest FROM task t JOIN job_type_revision r '
                              'ON r.id = t.job_type_revision_id WHERE t.id = ?',
                              (job_id,)).fetchone()
        problems = input_problems(json.loads(manifest) if manifest else None, inputs)
        if problems:
            raise InvalidInput('the input does not fit the job type: ' + '; '.join(problems))
    return job_id


_COLUMNS = ('t.id, jt.id, jt.name, jt.version, jt.title, r.revision_num, t.status, '
            't.available_at, t.priority, t.attempt, t.max_tries, t.payload, t.output, '
            't.error_category, t.error_name, t.exit_code, t.created_at, t.queued_at, '
            't.started_at, t.ended_at, t.status_changed_at')
_FROM = ('FROM task t JOIN job_type jt ON jt.id = t.job_type_id '
         'LEFT JOIN job_type_revision r ON r.id = t.job_type_revision_id '
         'WHERE t.project_id = ? AND t.run_id IS NULL')


def job(principal: Principal, job_id: int) -> JobView:
    """The job `job_id` of the caller's project, or NotFound (a run's task is no job)."""
    row = run_sql(f'SELECT {_COLUMNS} {_FROM} AND t.id = ?',
                  (principal.project_id, job_id)).fetchone()
    if row is None:
        raise NotFound(f'no job {job_id}')
    return _view(row)


def list_jobs(principal: Principal, filters: JobFilters, offset: int, limit: int,
              now: float) -> tuple[int, list[JobView]]:
    """(how many jobs match, the page of them newest first)."""
    where, params = _filtered(filters, now)
    params = (principal.project_id, *params)
    (count,) = run_sql(f'SELECT COUNT(*) {_FROM}{where}', params).fetchone()
    rows = run_sql(f'SELECT {_COLUMNS} {_FROM}{where} ORDER BY t.id DESC LIMIT ? OFFSET ?',
                   (*params, limit, offset)).fetchall()
    return count, [_view(row) for row in rows]


def _filtered(filters: JobFilters, now: float) -> tuple[str, tuple]:
    where, params = '', []
    if filters.type_names:
        where += f' AND jt.name IN ({marks(filters.type_names)})'
        params += filters.type_names
    if filters.type_ids:
        where += f' AND t.job_type_id IN ({marks(filters.type_ids)})'
        params += filters.type_ids
    if filters.statuses:
        conditions = []
        for status in dict.fromkeys(filters.statuses):
            states = tuple(state.value for state in scale_states(status))
            condition = f't.status IN ({marks(states)})'
            params += states
            if status in (ScaleStatus.PENDING, ScaleStatus.QUEUED):  # see states.scale_status
                condition += (' AND t.available_at > ?' if status is ScaleStatus.PENDING
                              else ' AND t.available_at <= ?')
                params.append(now)
            conditions.append(f'({condition})')
        where += f' AND ({" OR ".join(conditions)})'
    return where, tuple(params)


def _view(row: tuple) -> JobView:
    values = list(row)
    values[6] = TaskState(values[6])
    values[11], values[12] = _input(values[11]), _output(values[12])
    return JobView(*values)


def _input(payload: str | None) -> dict | None:
    """The input of a job queued here ({"input": {...}}), None for any other payload."""
    try:
        parsed = json.loads(payload) if payload else None
    except ValueError:
        return None
    found = parsed.get('input') if isinstance(parsed, dict) else None
    return found if isinstance(found, dict) else None


def _output(text: str | None):
    """What a finished job produced, parsed; its text as stored when that is not JSON."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
