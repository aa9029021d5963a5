"""Schedules as people look at them: every family's, with when each fires next and how its
last firing went (/farm/v1/schedules, `farm schedules`, the dashboard's Schedules screen).

A schedule's last firing is found through the firing index (schedule, fire time): one
index probe per schedule, however many times it has fired. A run by hand has no fire
time and does not count as the last firing.
"""

import dataclasses

from peewee import JOIN

from coordinator.cron import FIELDS
from coordinator.models import JobType, Schedule
from coordinator.store.access import Principal
from coordinator.store.id_lists import grouped
from coordinator.store.iron_schedules import FAMILY as IRONWORKER


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleView:
    """One schedule: which family shows it, what it queues, when, and how its last firing went."""

    public_id: str
    family: str
    name: str | None
    job_type: str | None  # 'name version' of what it queues; None once the type is deleted
    kind: str  # 'cron' or 'interval'
    when: str  # the cron fields, or 'every N s'
    timezone: str | None
    is_paused: bool
    next_fire_at: float | None
    last_fire_at: float | None
    run_count: int
    last_state: str | None  # the task state of its last firing, if it has fired


def summary(principal: Principal) -> list[ScheduleView]:
    """The caller's project's schedules: the next to fire first, paused and finished ones last,
    then by name."""
    rows = list(Schedule.select(Schedule, JobType.name.alias('type_name'),
                                JobType.version.alias('type_version'))
                .join(JobType, on=(Schedule.job_type == JobType.id), join_type=JOIN.LEFT_OUTER)
                .where(Schedule.project == principal.project_id).dicts())
    states = dict(grouped(
        [row['id'] for row in rows if row['last_fire_at'] is not None],
        'SELECT t.schedule_id, t.status FROM task t WHERE t.schedule_id IN ({ids}) '
        'AND t.fire_at = (SELECT MAX(u.fire_at) FROM task u WHERE u.schedule_id = t.schedule_id)'))
    views = [_view(row, states.get(row['id'])) for row in rows]
    views.sort(key=lambda view: (view.next_fire_at is None, view.next_fire_at or 0,
                                 view.name or '', view.public_id))
    return views


def _view(row: dict, last_state: str | None) -> ScheduleView:
    interval = row['family'] == IRONWORKER
    when = ((f"every {row['run_every_s']} s" if row['run_every_s'] else 'once') if interval
            else ' '.join(f'{field}={row[field]}' for field in FIELDS
                          if row.get(field) not in (None, '*')) or 'every minute')
    job_type = (f"{row['type_name']} {row['type_version']}" if row['type_name'] is not None
                else None)
    return ScheduleView(row['public_id'], row['family'], row['name'], job_type,
                        'interval' if interval else 'cron', when,
                        None if interval else row['timezone'], row['is_paused'],
                        row['next_fire_at'], row['last_fire_at'], row['run_count'], last_state)
