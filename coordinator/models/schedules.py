"""Schedules: ndscheduler cron jobs and IronWorker interval schedules."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.job_types import JobType
from coordinator.models.projects import Project, User


class Schedule(BaseModel):
    """Work that queues itself: an ndscheduler job (cron) or an IronWorker schedule (interval).

    Each firing queues one task of `job_type`, which names the schedule and the fire time it
    stands for: a unique (schedule, fire time) on Task makes a firing exactly-once however
    many coordinator processes fire it. `next_fire_at` is when it fires next, None while
    paused or once finished (the engine reads the due ones through its index).

    `family` says which API shows it (`ndscheduler` or `ironworker`), `public_id` is its id
    there (32 hex digits for ndscheduler, 24 for IronWorker). An ndscheduler job sets the
    cron fields (as strings, defaults filled in as APScheduler does: coordinator.cron) and
    `timezone`, and calls `job_class_string` with `pub_args` (a JSON list) and `kwargs` (a
    JSON object); an IronWorker schedule sets `run_every_s` (from `start_at`, until
    `end_at` or `run_times` firings) and queues `payload` at `priority`, with the other
    options of its tasks (timeout, delay, label) as a JSON object in `kwargs`.
    """

    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)  # leads (project, ..)
    family = pw.CharField(max_length=16)
    public_id = pw.CharField(max_length=32, unique=True)
    name = pw.CharField(max_length=255, null=True)
    # what each firing queues; null once the type was deleted (its firings are then errors)
    job_type = pw.ForeignKeyField(JobType, null=True, on_delete='SET NULL')
    created_by = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    # ndscheduler: the class as sent (a job type's name, or a dotted Python path), its arguments
    job_class_string = pw.TextField(null=True)
    pub_args = pw.TextField(null=True)
    kwargs = pw.TextField(null=True)
    # cron fields; second is always 0 and year *, as ndscheduler leaves them
    month = pw.CharField(max_length=255, null=True)
    day = pw.CharField(max_length=255, null=True)
    week = pw.CharField(max_length=255, null=True)
    day_of_week = pw.CharField(max_length=255, null=True)
    hour = pw.CharField(max_length=255, null=True)
    minute = pw.CharField(max_length=255, null=True)
    timezone = pw.CharField(max_length=64, default='UTC')
    # IronWorker: every run_every_s from start_at, until end_at or run_times firings
    run_every_s = pw.IntegerField(null=True)
    start_at = EpochField(null=True)
    end_at = EpochField(null=True)
    run_times = pw.IntegerField(null=True)
    run_count = pw.IntegerField(default=0)
    payload = pw.TextField(null=True)
    priority = pw.IntegerField(null=True)
    # at most this many of its tasks queued or running at once; a firing past it is skipped
    max_instances = pw.IntegerField(default=3)
    is_paused = pw.BooleanField(default=False)
    next_fire_at = EpochField(null=True, index=True)
    last_fire_at = EpochField(null=True)
    created_at = EpochField(default=time.time)
    modified_at = EpochField(default=time.time)

    class Meta:
        indexes = ((('project', 'family', 'next_fire_at'), False),)
