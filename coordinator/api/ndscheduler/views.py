"""How /api/v1/ shows jobs and audit logs: ndscheduler's JSON, cron values as strings."""

import datetime
import zoneinfo

from coordinator.api.farm.views import instant
from coordinator.store.schedule_logs import ScheduleLog
from coordinator.store.schedules import CronJobView


def job_view(job: CronJobView) -> dict:
    """A job as ndscheduler shows one; `next_run_time` is in the job's time zone, "" while
    paused. `timezone` is this coordinator's addition (ndscheduler's jobs are all UTC)."""
    return {**job.fields(), 'next_run_time': _in_zone(job.next_fire_at, job.trigger.timezone)}


def log_view(log: ScheduleLog) -> dict:
    """An audit entry; `user` is "" when nobody is known (the actor was deleted)."""
    return {'job_id': log.job_id, 'job_name': log.job_name, 'event': log.event,
            'user': log.user or '', 'created_time': instant(log.created_at),
            'description': log.description}


def _in_zone(epoch_s: float | None, zone: str) -> str:
    if epoch_s is None:
        return ''
    return datetime.datetime.fromtimestamp(epoch_s, zoneinfo.ZoneInfo(zone)).isoformat()
