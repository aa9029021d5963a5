"""The firing engine: due schedules fire, each fire time queueing exactly one task.

Each family fires its own way (`_FIRERS`): an ndscheduler job by its cron trigger (below),
an IronWorker schedule every `run_every_s` (coordinator.store.interval_firing); the engine,
its pass over the due schedules, its transactions and its exactly-once are one.

`fire_due(now)` runs in every coordinator process (coordinator.maintenance) and is
correct with any number of them at once: each job is fired in its own transaction that
locks its row (PostgreSQL: FOR UPDATE; SQLite's write lock is the whole file's) and
re-reads it, so a process that waited finds `next_fire_at` moved on and leaves it; the
unique (schedule, fire time) index on Task is the last word should two ever get past
that (the second insert does nothing). As APScheduler does for ndscheduler (coalesce,
misfire grace 1 h, max_instances 3): the fires a job missed while no coordinator ran
are one execution, at the last of them, if that is within the grace, and none
otherwise; a fire that would pass its job's `max_instances` queued and running
executions is skipped. Either way `next_fire_at` moves on to the first fire time
after now. An execution is a queued task of the job's type whose payload is what
`farmworker job-class` reads; its id is the task's, as 32 hex digits. A job of the
built-in TaskfarmRunJob class is run here instead, at once (store.scheduled_runs).
"""

import dataclasses
import json
import logging
import time

from coordinator import cron
from coordinator.cron import CronTrigger
from coordinator.db import database, run_sql
from coordinator.states import TaskState
from coordinator.store import interval_firing, iron_schedules, scheduled_runs
from coordinator.store.schedules import FAMILY

log = logging.getLogger(__name__)

MISFIRE_GRACE_S = 3600.0  # APScheduler's misfire_grace_time as ndscheduler sets it
_DUE_PER_PASS = 500  # jobs one pass fires at most; the next pass takes the rest
_LIVE = (TaskState.QUEUED.value, TaskState.RUNNING.value)
_SCHEDULE_COLUMNS = ('id, project_id, public_id, job_type_id, job_class_string, pub_args, '
                     'kwargs, month, day, week, day_of_week, hour, minute, timezone, '
                     'max_instances, is_paused, next_fire_at')


@dataclasses.dataclass(frozen=True, slots=True)
class Firing:
    """A job's row as the engine reads it."""

    id: int
    project_id: int
    public_id: str
    job_type_id: int | None
    job_class_string: str
    pub_args: str
    kwargs: str
    trigger: CronTrigger
    max_instances: int
    is_paused: bool
    next_fire_at: float | None


def execution_id(task_id: int) -> str:
    """The ndscheduler execution id of a task: its id as 32 hex digits."""
    return f'{task_id:032x}'


def fire_due(now: float | None = None, grace_s: float = MISFIRE_GRACE_S) -> list[str]:
    """Fire every unpaused schedule due at `now`, of every family; what was queued, as each
    family names it (ndscheduler: execution ids; IronWorker: task row ids, as text)."""
    now = time.time() if now is None else now
    due = run_sql('SELECT id, family FROM schedule WHERE next_fire_at <= ? '
                  'AND NOT is_paused ORDER BY next_fire_at LIMIT ?',
                  (now, _DUE_PER_PASS)).fetchall()
    queued = []
    for schedule_id, family in due:
        fire, name = _FIRERS[family]
        with database.write():
            task_id = fire(schedule_id, now, grace_s)
        if task_id is not None:
            queued.append(name(task_id))
    return queued


def _fire_interval(schedule_id: int, now: float, grace_s: float) -> int | None:
    return interval_firing.fire(schedule_id, now)  # no grace: see interval_firing


def _fire(schedule_id: int, now: float, grace_s: float) -> int | None:
    """Fire one job if it is still due (another process may have fired it); its task id."""
    lock = ' FOR UPDATE' if database.for_update else ''
    row = run_sql(f'SELECT {_SCHEDULE_COLUMNS} FROM schedule WHERE id = ?{lock}',
                  (schedule_id,)).fetchone()
    job = None if row is None else read(row)
    if job is None or job.is_paused or job.next_fire_at is None or job.next_fire_at > now:
        return None
    fire_at = max(job.trigger.last_fire_at(now) or job.next_fire_at, job.next_fire_at)
    following = job.trigger.next_fire_at(max(fire_at, now) + 1.0)
    run_sql('UPDATE schedule SET next_fire_at = ?, last_fire_at = ? WHERE id = ?',
            (following, fire_at, job.id))
    if now - fire_at > grace_s:
        log.warning('job %s missed its fire at %.0f by more than %g s: skipped', job.public_id,
                    fire_at, grace_s)
        return None
    if job.job_type_id is None:
        log.warning('job %s fires a job type that was deleted: skipped', job.public_id)
        return None
    if live_executions(job.id) >= job.max_instances:
        log.info('job %s has %d executions queued or running: this fire is skipped',
                 job.public_id, job.max_instances)
        return None
    task_id = enqueue(job, fire_at, now)
    if task_id is not None:  # how many times it fired, as people see it (`farm schedules`)
        run_sql('UPDATE schedule SET run_count = run_count + 1 WHERE id = ?', (job.id,))
    return task_id


# family -> (fire one schedule in the caller's transaction: the task queued; name that task)
_FIRERS = {FAMILY: (_fire, execution_id),
           iron_schedules.FAMILY: (_fire_interval, str)}


def live_executions(schedule_id: int) -> int:
    """How many of a job's executions are queued or running (read through its firing index)."""
    (count,) = run_sql('SELECT COUNT(*) FROM task WHERE schedule_id = ? AND status IN (?, ?)',
                       (schedule_id, *_LIVE)).fetchone()
    return count


def enqueue(job: Firing, fire_at: float | None, now: float) -> int | None:
    """Queue one execution of `job` for `fire_at` (None: run by hand) inside the caller's
    transaction; its task id, or None when that fire time already has its task.

    It runs once, as on ndscheduler: a failure is its result, not a reason to retry
    (max_tries 1). The payload names the task's own execution id, so it is written once
    the id is known.
    """
    type_row = run_sql('SELECT jt.priority, jt.timeout_s, r.id FROM job_type jt '
                       'LEFT JOIN job_type_revision r ON r.job_type_id = jt.id '
                       'AND r.revision_num = jt.revision_num WHERE jt.id = ?',
                       (job.job_type_id,)).fetchone()
    priority, timeout_s, revision_id = type_row
    inserted = run_sql(
        'INSERT INTO task (project_id, job_type_id, job_type_revision_id, status, priority, '
        'available_at, timeout_s, max_tries, retry_delay_s, schedule_id, fire_at, created_at, '
        'queued_at, status_changed_at, attempt, failed_tries, percent) '
        'VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?, ?, ?, 0, 0, 0) '
        'ON CONFLICT DO NOTHING RETURNING id',
        (job.project_id, job.job_type_id, revision_id, TaskState.QUEUED.value, priority, now,
         None if timeout_s is None else int(timeout_s), job.id, fire_at, now, now,
         now)).fetchone()
    if inserted is None:  # another coordinator fired this time first
        return None
    (task_id,) = inserted
    payload = {'input': {'job_class_string': job.job_class_string, 'job_id': job.public_id,
                         'execution_id': execution_id(task_id),
                         'pub_args': json.loads(job.pub_args or '[]'),
                         'kwargs': json.loads(job.kwargs or '{}')}}
    run_sql('UPDATE task SET payload = ? WHERE id = ?',
            (json.dumps(payload, separators=(',', ':')), task_id))
    if scheduled_runs.is_run_job(job.job_class_string):  # the coordinator runs it, at once
        scheduled_runs.create_run(job.id, job.kwargs, task_id, now)
    return task_id


def read(row: tuple) -> Firing:
    """A schedule row selected with `_SCHEDULE_COLUMNS` as the engine reads it."""
    (schedule_id, project_id, public_id, type_id, class_string, pub_args, kwargs,
     *fields, timezone, max_instances, is_paused, next_fire_at) = row
    trigger = CronTrigger(**dict(zip(cron.FIELDS, fields)), timezone=timezone)
    return Firing(schedule_id, project_id, public_id, type_id, class_string, pub_args, kwargs,
                  trigger, max_instances, bool(is_paused), next_fire_at)


def locked_job(project_id: int, public_id: str) -> Firing | None:
    """A project's ndscheduler job by its id, locked for the caller's transaction; None if none."""
    lock = ' FOR UPDATE' if database.for_update else ''
    row = run_sql(f'SELECT {_SCHEDULE_COLUMNS} FROM schedule WHERE project_id = ? '
                  f'AND family = ? AND public_id = ?{lock}',
                  (project_id, FAMILY, public_id)).fetchone()
    return None if row is None else read(row)
