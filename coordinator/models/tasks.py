"""Tasks, every family's unit of work, and the partial indexes their queries read."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.job_types import JobType, JobTypeRevision
from coordinator.models.projects import Project
from coordinator.models.runs import Run
from coordinator.models.schedules import Schedule
from coordinator.models.workers import Worker
from coordinator.states import TaskState


class Task(BaseModel):
    """One unit of work of any family: a run's numbered task, a queued payload, a job."""

    project = pw.ForeignKeyField(Project, on_delete='CASCADE')
    # no index of its own: the (run, number) index below leads with it
    run = pw.ForeignKeyField(Run, null=True, on_delete='CASCADE', index=False)
    number = pw.BigIntegerField(null=True)
    # every task has a type (schema 8; null only in the column, never in a row the store writes)
    job_type = pw.ForeignKeyField(JobType, null=True, on_delete='RESTRICT', index=False)
    job_type_revision = pw.ForeignKeyField(JobTypeRevision, null=True, on_delete='SET NULL',
                                           index=False)
    status = pw.CharField(max_length=16, default=TaskState.QUEUED.value)
    # Queued work (a task with a payload and no run) writes these four; a run's tasks have
    # priority 0 and no payload or timeout of their own (the run's policy has it), and
    # available_at delays their retries
    priority = pw.IntegerField(default=0)
    payload = pw.TextField(null=True)
    timeout_s = pw.IntegerField(null=True)
    # a queued task's retry policy, copied from its type when queued (schema 9); a run's
    # tasks leave them null and follow their run's
    max_tries = pw.IntegerField(null=True)
    retry_delay_s = pw.DoubleField(null=True)
    available_at = EpochField(default=0.0)
    attempt = pw.IntegerField(default=0)  # bumped by every claim: the fencing token of reports
    # tries that failed or whose worker was lost (SQL default: hot-path inserts are raw SQL)
    failed_tries = pw.IntegerField(default=0, constraints=[pw.SQL('DEFAULT 0')])
    # no index of its own: the (worker, status) index below leads with it
    worker = pw.ForeignKeyField(Worker, null=True, on_delete='SET NULL', index=False)
    percent = pw.DoubleField(default=0.0)
    msg = pw.TextField(null=True)
    exit_code = pw.IntegerField(null=True)
    error_category = pw.CharField(max_length=16, null=True)
    log_tail = pw.TextField(null=True)
    # which error of its category failed it: a Seed manifest's error name, or a built-in one
    # such as node-lost (schema 11; coordinator.failures decides both)
    error_name = pw.TextField(null=True)
    output = pw.TextField(null=True)  # what a finished job produced, as JSON (schema 11)
    # the schedule that queued it and the fire time it stands for (schema 13); a schedule run
    # by hand (ndscheduler's custom run) has no fire time. Unique together: see FIRING_INDEX
    schedule = pw.ForeignKeyField(Schedule, null=True, on_delete='SET NULL', index=False)
    fire_at = EpochField(null=True)
    # a caller's tag for queued work, which IronWorker lists filter by (schema 15)
    label = pw.TextField(null=True)
    created_at = EpochField(default=time.time)
    queued_at = EpochField(null=True)
    started_at = EpochField(null=True)
    ended_at = EpochField(null=True)
    status_changed_at = EpochField(null=True)

    class Meta:
        indexes = (
            (('run', 'number'), True),
            (('worker', 'status'), False),
        )


# Every index a task's state change moves costs each claim and each report (schema 12 dropped
# one on (status, priority, id) that no query read: it cost a serve claim a fifth of its time).
# A run's tasks by state, for its claims and reports; queued work (no run) is kept out of it.
Task.add_index(pw.SQL('CREATE INDEX IF NOT EXISTS task_run_work ON task '
                      '(run_id, status, number) WHERE run_id IS NOT NULL'))
# queued work (no run) by type, in the order claims take it: the claim reads the head of each
# eligible type's range, so paused types and runs' queued tasks cost it nothing; with
# available_at in it, tasks not yet due are passed over without reading their rows (schema 12)
Task.add_index(pw.SQL('CREATE INDEX IF NOT EXISTS task_queued_work ON task '
                      '(job_type_id, priority DESC, id, available_at) '
                      "WHERE status = 'queued' AND run_id IS NULL"))
# The job-type status views (schema 11) count and date finished and queued tasks by type out
# of these two indexes. Finished tasks, by type, state and when they reached it: a view reads
# the range of each (type, state) it counts, a time window within it, never the rows. Only
# finished tasks are in it, so each task is written to it once, when it finishes: neither
# queueing nor claiming one costs it anything (running tasks, as many as agents have slots,
# are counted through the status index).
STATUS_INDEX = 'task_type_status'
FINISHED = "status NOT IN ('queued', 'running')"
Task.add_index(pw.SQL(f'CREATE INDEX IF NOT EXISTS {STATUS_INDEX} ON task '
                      f'(job_type_id, status, status_changed_at, error_category) WHERE {FINISHED}'))
# Queued tasks of every family (runs' retries too), by type and priority, with when they may
# be handed out and since when they wait: written once when a task is queued, once more when
# it leaves the queue. Every query of these indexes names `status = 'queued'`, or FINISHED,
# as written here: SQLite uses a partial index only then. The status column, the same in
# every entry, is there because SQLite reads the table for any column its query names that
# the index does not hold.
QUEUE_INDEX = 'task_type_queue'
Task.add_index(pw.SQL(f'CREATE INDEX IF NOT EXISTS {QUEUE_INDEX} ON task '
                      '(job_type_id, priority, available_at, queued_at, status) '
                      "WHERE status = 'queued'"))


# One task per firing of a schedule, whichever coordinator process fires it: the second insert
# of a (schedule, fire time) fails. Partial, so that work queued otherwise costs it nothing; it
# also serves the schedule's SET NULL on delete and the look-up of a schedule's tasks.
FIRING_INDEX = 'task_schedule_firing'
Task.add_index(pw.SQL(f'CREATE UNIQUE INDEX IF NOT EXISTS {FIRING_INDEX} ON task '
                      '(schedule_id, fire_at) WHERE schedule_id IS NOT NULL'))

# Queued work (no run) newest first, or within a time window, for IronWorker's task lists and
# ndscheduler's executions (schema 16): without it a list read the table newest first until a
# page matched, and a window in the past or a label seen long ago read most of it (20-30x an
# empty database's time at 10^6 rows). Queued work only, so runs' tasks cost it nothing; it
# is written when a task is queued, and on SQLite never again (no column of it changes).
QUEUED_CREATED_INDEX = 'task_queued_created'
Task.add_index(pw.SQL(f'CREATE INDEX IF NOT EXISTS {QUEUED_CREATED_INDEX} ON task '
                      '(project_id, created_at, id) WHERE run_id IS NULL'))
# Work a caller labelled, by label, newest first (IronWorker's ?label=): only labelled rows
LABEL_INDEX = 'task_labelled'
Task.add_index(pw.SQL(f'CREATE INDEX IF NOT EXISTS {LABEL_INDEX} ON task '
                      '(project_id, label, created_at, id) WHERE label IS NOT NULL'))
