"""IronWorker schedules: a code package's task queued every `run_every_s` from `start_at`,
created in bulk, read, listed, changed and cancelled (the firing is store.interval_firing).

A schedule is a Schedule row of family `ironworker` whose job type is the code package.
Its status is read from its row, so no column holds it: `cancelled` once cancelled
(`is_paused`, which nothing else sets on this family), `complete` when it has no next
fire time (past `end_at`, or `run_times` firings made), else `scheduled`. The options of
the tasks it queues that have no column of their own (timeout, delay, label) are kept as
a JSON object in `kwargs`, the column of a cron job's keyword arguments.
"""

import dataclasses
import json
import secrets
import time

from peewee import JOIN

from coordinator.db import database
from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.models import JobType, Schedule
from coordinator.store import audit, schedules
from coordinator.store.access import Principal, require_manager
from coordinator.store.code_packages import VERSION

FAMILY = 'ironworker'
OPTIONS = ('timeout_s', 'delay_s', 'label')  # a task's options kept in `kwargs`
SCHEDULED, CANCELLED, COMPLETE = 'scheduled', 'cancelled', 'complete'
# of its audit entries: not ndscheduler's 'schedule', whose entries /api/v1/logs shows
OBJECT_TYPE = 'iron_schedule'
# IronWorker's own limit (its environment page): schedules that still fire, per project; a
# cancelled or complete one no longer counts
MAX_LIVE_SCHEDULES = 100


@dataclasses.dataclass(frozen=True, slots=True)
class Timing:
    """When a schedule fires: at `start_at`, then every `run_every_s` (None: once), never
    after `end_at`, at most `run_times` times (None: no cap)."""

    start_at: float
    run_every_s: int | None = None
    end_at: float | None = None
    run_times: int | None = None

    def first_fire_at(self, after: float | None, run_count: int) -> float | None:
        """The first fire time later than `after` (None: from `start_at` on), or None once
        `run_count` firings used up `run_times` or that time would pass `end_at`."""
        if self.run_times is not None and run_count >= self.run_times:
            return None
        if after is None or after < self.start_at:
            fire_at = self.start_at
        elif self.run_every_s is None:
            return None  # a one-off that has fired
        else:
            fire_at = self.start_at + ((after - self.start_at) // self.run_every_s + 1) * \
                self.run_every_s
        return None if self.end_at is not None and fire_at > self.end_at else fire_at

    def last_fire_at(self, until: float) -> float:
        """The last fire time at or before `until` (which is not before `start_at`)."""
        if self.run_every_s is None:
            return self.start_at
        return self.start_at + (until - self.start_at) // self.run_every_s * self.run_every_s


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleOrder:
    """One schedule as a client sends it: the code, what each task gets, and the timing
    (a None start: now)."""

    code_name: str
    payload: str
    start_at: float | None = None
    run_every_s: int | None = None
    end_at: float | None = None
    run_times: int | None = None
    priority: int | None = None  # None: the code package's default
    timeout_s: float | None = None
    delay_s: float | None = None
    label: str | None = None
    name: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleView:
    """A schedule as IronWorker shows it."""

    public_id: str
    code_id: int | None
    code_name: str | None
    name: str | None
    payload: str
    priority: int | None
    timing: Timing
    options: dict
    status: str
    run_count: int
    next_fire_at: float | None
    last_fire_at: float | None
    created_at: float
    modified_at: float


def create(principal: Principal, orders: list[ScheduleOrder],
           now: float | None = None) -> list[str]:
    """Add schedules, all or none, in one transaction; their 24-hex ids, in order. An
    unknown or deleted code package is NotFound; going over MAX_LIVE_SCHEDULES is Forbidden."""
    require_manager(principal)
    now = time.time() if now is None else now
    ids = []
    with database.write():
        live = _rows(principal).where(~Schedule.is_paused,
                                      Schedule.next_fire_at.is_null(False)).count()
        if live + len(orders) > MAX_LIVE_SCHEDULES:
            raise Forbidden(f'a project has at most {MAX_LIVE_SCHEDULES} schedules that still '
                            f'fire: it has {live}, and this asks for {len(orders)} more; '
                            'cancel some first')
        for order in orders:
            public_id = secrets.token_hex(12)
            timing = _timing(order, None, now)
            Schedule.create(project=principal.project_id, family=FAMILY, public_id=public_id,
                            name=order.name, created_by=principal.user_id,
                            job_type=_live_code(principal, order.code_name),
                            payload=order.payload, priority=order.priority,
                            kwargs=_options(order), **_timing_columns(timing),
                            next_fire_at=timing.first_fire_at(None, 0), created_at=now,
                            modified_at=now)
            audit.record(principal, f'{OBJECT_TYPE}.add', OBJECT_TYPE, public_id, now=now,
                         code_name=order.code_name)
            ids.append(public_id)
    return ids


def get(principal: Principal, public_id: str) -> ScheduleView:
    """The schedule `public_id` of the caller's project, or NotFound."""
    row = _rows(principal).where(Schedule.public_id == public_id).first()
    if row is None:
        raise NotFound(_missing(public_id))
    return _view(row)


def list_schedules(principal: Principal, offset: int, limit: int) -> list[ScheduleView]:
    """A page of the project's IronWorker schedules, newest first."""
    rows = _rows(principal).order_by(Schedule.id.desc()).offset(offset).limit(limit)
    return [_view(row) for row in rows]


def update(principal: Principal, public_id: str, order: ScheduleOrder, sent: set[str],
           now: float | None = None) -> None:
    """Change the fields of `order` named in `sent` (others stay); the next fire time is the
    new timing's first after the last firing (or from its start). A cancelled schedule is a
    Conflict; a complete one whose new timing has fires left is scheduled again."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        row = _locked(principal, public_id)
        if row.is_paused:
            raise Conflict('the schedule was cancelled: schedule anew')
        before = _view(row)
        merged = dataclasses.replace(_order_of(before), **{
            key: getattr(order, key) for key in sent})
        timing = _timing(merged, before, now)
        changes = {'name': merged.name, 'payload': merged.payload,
                   'priority': merged.priority, 'kwargs': _options(merged),
                   **_timing_columns(timing), 'modified_at': now,
                   'next_fire_at': timing.first_fire_at(row.last_fire_at, row.run_count)}
        if 'code_name' in sent:
            changes['job_type'] = _live_code(principal, merged.code_name)
        _change(principal, public_id, changes)
        audit.record(principal, f'{OBJECT_TYPE}.update', OBJECT_TYPE, public_id, now=now,
                     fields=sorted(sent))


def cancel(principal: Principal, public_id: str, now: float | None = None) -> None:
    """Cancel a schedule: it fires no more (what it queued already stays queued). Cancelling
    it again changes nothing; a complete one is a Conflict."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        row = _locked(principal, public_id)
        if row.is_paused:
            return
        if row.next_fire_at is None:
            raise Conflict('the schedule is complete: it fires no more')
        _change(principal, public_id, {'is_paused': True, 'next_fire_at': None,
                                       'modified_at': now})
        audit.record(principal, f'{OBJECT_TYPE}.cancel', OBJECT_TYPE, public_id, now=now)


def _timing_of(row) -> Timing:
    """The timing of a schedule row (a model or an object with its columns)."""
    return Timing(row.start_at, row.run_every_s, row.end_at, row.run_times)


def _timing(order: ScheduleOrder, before: ScheduleView | None, now: float) -> Timing:
    """The order's timing; a start left out is now, or the schedule's start on a change."""
    start_at = order.start_at
    if start_at is None:
        start_at = now if before is None else before.timing.start_at
    if order.end_at is not None and order.end_at < start_at:
        raise InvalidInput('end_at is before start_at: the schedule would never fire')
    return Timing(start_at, order.run_every_s, order.end_at, order.run_times)


def _order_of(view: ScheduleView) -> ScheduleOrder:
    return ScheduleOrder(view.code_name or '', view.payload, view.timing.start_at,
                         view.timing.run_every_s, view.timing.end_at, view.timing.run_times,
                         view.priority, name=view.name, **view.options)


def _timing_columns(timing: Timing) -> dict:
    return {'start_at': timing.start_at, 'run_every_s': timing.run_every_s,
            'end_at': timing.end_at, 'run_times': timing.run_times}


def _options(order: ScheduleOrder) -> str:
    return json.dumps({key: getattr(order, key) for key in OPTIONS
                       if getattr(order, key) is not None}, separators=(',', ':'))


def _live_code(principal: Principal, name: str) -> int:
    code = JobType.get_or_none(JobType.project == principal.project_id, JobType.name == name,
                               JobType.version == VERSION, JobType.is_active)
    if code is None:
        raise NotFound(f'no code package {name!r} in this project')
    return code.id


def _rows(principal: Principal):
    return (Schedule.select(Schedule, JobType.name.alias('code_name'))
            .join(JobType, on=(Schedule.job_type == JobType.id), join_type=JOIN.LEFT_OUTER)
            .where(Schedule.project == principal.project_id, Schedule.family == FAMILY)
            .objects())


def _locked(principal: Principal, public_id: str) -> Schedule:
    return schedules.family_row(principal, FAMILY, public_id, _missing(public_id), lock=True)


def _change(principal: Principal, public_id: str, changes: dict) -> None:
    schedules.update_family_row(principal, FAMILY, public_id, changes, _missing(public_id))


def _missing(public_id: str) -> str:
    return f'no schedule {public_id[:40]} in this project'


def status(is_paused: bool, next_fire_at: float | None) -> str:
    """A schedule's IronWorker status, from its row (see the module docstring)."""
    if is_paused:
        return CANCELLED
    return COMPLETE if next_fire_at is None else SCHEDULED


def _view(row: Schedule) -> ScheduleView:
    return ScheduleView(
        row.public_id, row.job_type_id, getattr(row, 'code_name', None), row.name,
        row.payload or '', row.priority, _timing_of(row), json.loads(row.kwargs or '{}'),
        status(row.is_paused, row.next_fire_at), row.run_count, row.next_fire_at,
        row.last_fire_at, row.created_at, row.modified_at)
