"""The audit trail of cron schedules in a time window: ndscheduler's /logs."""

import dataclasses
import json

import peewee as pw

from coordinator.models import AuditLog, User
from coordinator.store.access import Principal
from coordinator.store.schedules import OBJECT_TYPE


@dataclasses.dataclass(frozen=True, slots=True)
class ScheduleLog:
    """One change to a job: which, what (ndscheduler's event name), by whom, when, details."""

    job_id: str
    job_name: str | None
    event: str
    user: str | None
    created_at: float
    description: str


def schedule_logs(principal: Principal, start: float, end: float) -> list[ScheduleLog]:
    """The project's schedule audit entries created within [start, end], the newest first."""
    rows = (AuditLog.select(AuditLog, User.name)
            .join(User, on=(AuditLog.actor == User.id), join_type=pw.JOIN.LEFT_OUTER)
            .where(AuditLog.project == principal.project_id,
                   AuditLog.object_type == OBJECT_TYPE,
                   AuditLog.created_at.between(start, end))
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
            .objects())
    return [_log(row) for row in rows]


def _log(row) -> ScheduleLog:
    detail = json.loads(row.detail) if row.detail else {}
    return ScheduleLog(row.object_id, detail.get('job_name'),
                       row.action.removeprefix(OBJECT_TYPE + '.'), row.name, row.created_at,
                       detail.get('description') or '')
