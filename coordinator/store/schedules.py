"""Cron schedules (ndscheduler's jobs): added, read, listed, modified, paused, resumed, deleted.

Every change is one write transaction with its audit entry (the events ndscheduler's
/logs shows: added, modified, deleted, paused, resumed). A job's `job_class_string` is
resolved to the job type its firings queue when it is added or modified, so an unknown
one is refused then rather than failing at every firing (see `_job_type_id`).
`next_fire_at` is kept with the trigger: None while paused.
"""

import dataclasses
import json
import keyword
import secrets
import time

from coordinator import cron
from coordinator.cron import CronTrigger
from coordinator.db import database
from coordinator.errors import InvalidInput, NotFound
from coordinator.models import JobType, Schedule
from coordinator.seed import versions
from coordinator.store import audit, job_types
from coordinator.store.access import Principal, require_manager

FAMILY = 'ndscheduler'
OBJECT_TYPE = 'schedule'  # of the audit entries
MAX_NAME = Schedule.name.max_length
MAX_CLASS_PATH = JobType.name.max_length  # a Python class's path names its job type


@dataclasses.dataclass(frozen=True, slots=True)
class CronJob:
    """What a client sets on a job; `pub_args` or `kwargs` None on a modify keeps them."""

    name: str
    job_class_string: str
    trigger: CronTrigger
    pub_args: list | None = None
    kwargs: dict | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class CronJobView:
    """A job as stored: its id, what it runs, its trigger and when it fires next."""

    job_id: str
    name: str
    job_class_string: str
    pub_args: list
    kwargs: dict
    trigger: CronTrigger
    is_paused: bool
    next_fire_at: float | None

    def fields(self) -> dict:
        """The job as ndscheduler names its fields (cron values as strings), without times."""
        return {'job_id': self.job_id, 'name': self.name,
                'job_class_string': self.job_class_string, 'pub_args': self.pub_args,
                **self.trigger.fields(), 'timezone': self.trigger.timezone}


def add_job(principal: Principal, job: CronJob, now: float | None = None) -> str:
    """Add a job (not paused); its 32-hex id."""
    require_manager(principal)
    now = time.time() if now is None else now
    job_id = secrets.token_hex(16)
    with database.write():
        Schedule.create(project=principal.project_id, family=FAMILY, public_id=job_id,
                        name=job.name, created_by=principal.user_id,
                        job_type=_job_type_id(principal, job.job_class_string, now),
                        job_class_string=job.job_class_string,
                        pub_args=_dumps(job.pub_args or []), kwargs=_dumps(job.kwargs or {}),
                        **_trigger_columns(job.trigger),
                        next_fire_at=job.trigger.next_fire_at(now), created_at=now,
                        modified_at=now)
        _record(principal, 'added', job_id, job.name, '', now)
    return job_id


def get_job(principal: Principal, job_id: str) -> CronJobView:
    """The job `job_id` of the caller's project, or NotFound."""
    return _view(_row(principal, job_id))


def list_jobs(principal: Principal) -> list[CronJobView]:
    """The project's jobs in the order they fire next, paused ones last."""
    rows = (Schedule.select()
            .where(Schedule.project == principal.project_id, Schedule.family == FAMILY)
            .order_by(Schedule.next_fire_at.is_null(), Schedule.next_fire_at, Schedule.id))
    return [_view(row) for row in rows]


def views_by_id(schedule_ids: set[int]) -> dict[int, CronJobView]:
    """The ndscheduler jobs among the schedules `schedule_ids` (row ids), by row id."""
    if not schedule_ids:
        return {}
    rows = Schedule.select().where(Schedule.id.in_(sorted(schedule_ids)),
                                   Schedule.family == FAMILY)
    return {row.id: _view(row) for row in rows}


def modify_job(principal: Principal, job_id: str, job: CronJob,
               now: float | None = None) -> None:
    """Replace a job's name, class and whole trigger; its pub_args and kwargs when given.

    A paused job stays paused (ndscheduler re-pauses it: APScheduler's reschedule resumes).
    """
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        before = _view(_row(principal, job_id, lock=True))
        after = dataclasses.replace(
            before, name=job.name, job_class_string=job.job_class_string, trigger=job.trigger,
            pub_args=before.pub_args if job.pub_args is None else job.pub_args,
            kwargs=before.kwargs if job.kwargs is None else job.kwargs)
        changes = {'name': job.name, 'job_class_string': job.job_class_string,
                   'pub_args': _dumps(after.pub_args), 'kwargs': _dumps(after.kwargs),
                   **_trigger_columns(job.trigger), 'modified_at': now,
                   'next_fire_at': None if before.is_paused else job.trigger.next_fire_at(now)}
        if job.job_class_string != before.job_class_string:
            changes['job_type'] = _job_type_id(principal, job.job_class_string, now)
        _update(principal, job_id, changes)
        _record(principal, 'modified', job_id, job.name, _difference(before, after), now)


def set_paused(principal: Principal, job_id: str, paused: bool, now: float | None = None) -> None:
    """Pause a job (it does not fire) or resume it (from its next fire time after now)."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        job = _view(_row(principal, job_id, lock=True))
        next_fire_at = None if paused else job.trigger.next_fire_at(now)
        _update(principal, job_id, {'is_paused': paused, 'next_fire_at': next_fire_at,
                                    'modified_at': now})
        _record(principal, 'paused' if paused else 'resumed', job_id, job.name, '', now)


def delete_job(principal: Principal, job_id: str, now: float | None = None) -> None:
    """Delete a job; the audit entry keeps what it was (as JSON). Its tasks stay."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        job = _view(_row(principal, job_id, lock=True))
        Schedule.delete().where(Schedule.public_id == job_id).execute()
        _record(principal, 'deleted', job_id, job.name, json.dumps(job.fields()), now)


def _row(principal: Principal, job_id: str, lock: bool = False) -> Schedule:
    return family_row(principal, FAMILY, job_id, f'Job not found: {job_id}', lock=lock)


def _update(principal: Principal, job_id: str, changes: dict) -> None:
    update_family_row(principal, FAMILY, job_id, changes, f'Job not found: {job_id}')


def family_row(principal: Principal, family: str, public_id: str, missing: str, *,
               lock: bool = False) -> Schedule:
    """The project's schedule of `family` by its id (locked when told), or NotFound(`missing`)."""
    query = Schedule.select().where(Schedule.project == principal.project_id,
                                    Schedule.family == family, Schedule.public_id == public_id)
    found = (query.for_update() if lock and database.for_update else query).first()
    if found is None:
        raise NotFound(missing)
    return found


def update_family_row(principal: Principal, family: str, public_id: str, changes: dict,
                      missing: str) -> None:
    """Apply `changes` to the project's schedule of `family`; NotFound(`missing`) if it is gone."""
    changed = (Schedule.update(**changes)
               .where(Schedule.project == principal.project_id, Schedule.family == family,
                      Schedule.public_id == public_id).execute())
    if changed != 1:  # deleted by another process between the read and this write
        raise NotFound(missing)


def _job_type_id(principal: Principal, class_string: str, now: float) -> int:
    """The job type a job's firings queue, or InvalidInput when the string names none.

    `name:version` names a job type of the project, a bare `name` its newest active version;
    a dotted Python path (`package.module.Class`) names a job class, whose built-in type is
    created on first use (the class is imported where it runs: an unimportable one fails
    there, as on ndscheduler). Taskfarm's run type takes no jobs.
    """
    if is_class_path(class_string):
        if len(class_string) > MAX_CLASS_PATH:
            raise InvalidInput(f'job_class_string {class_string!r} is longer than '
                               f'{MAX_CLASS_PATH} characters, the longest job type name')
        return job_types.class_type_id(principal.project_id, class_string, now)
    name, _, version = class_string.partition(':')
    query = JobType.select().where(JobType.project == principal.project_id,
                                   JobType.name == name, JobType.is_active, ~JobType.is_system)
    found = list(query.where(JobType.version == version) if version else query)
    if not found:
        raise InvalidInput(f'unknown job_class_string {class_string!r}: neither a Python class '
                           "path (package.module.Class) nor an active job type's name (or "
                           'name:version) of your project')
    return max(found, key=lambda row: _precedence(row.version)).id


def is_class_path(text: str) -> bool:
    """Whether `text` is a dotted Python path of at least two names (package.module.Class)."""
    parts = text.split('.')
    return len(parts) > 1 and all(part.isidentifier() and not keyword.iskeyword(part)
                                  for part in parts)


def _precedence(version: str) -> tuple:
    """A version's SemVer precedence; versions that are no SemVer sort first."""
    try:
        return (1, versions.sort_key(version))
    except ValueError:
        return (0, ())


def _trigger_columns(trigger: CronTrigger) -> dict:
    return {**trigger.fields(), 'timezone': trigger.timezone}


def _view(row: Schedule) -> CronJobView:
    trigger = CronTrigger(**{name: getattr(row, name) for name in cron.FIELDS},
                          timezone=row.timezone)
    return CronJobView(row.public_id, row.name, row.job_class_string, json.loads(row.pub_args),
                       json.loads(row.kwargs), trigger, row.is_paused, row.next_fire_at)


def _difference(before: CronJobView, after: CronJobView) -> str:
    """What a modify changed, a line per field: `minute: "*/5" => "*/7"`."""
    old, new = ({**view.fields(), 'kwargs': view.kwargs} for view in (before, after))
    return '\n'.join(f'{key}: {json.dumps(old[key])} => {json.dumps(new[key])}'
                     for key in old if old[key] != new[key])


def _record(principal: Principal, event: str, job_id: str, name: str, description: str,
            now: float) -> None:
    audit.record(principal, f'{OBJECT_TYPE}.{event}', OBJECT_TYPE, job_id, now=now,
                 job_name=name, description=description)


def _dumps(value) -> str:
    return json.dumps(value, separators=(',', ':'))
