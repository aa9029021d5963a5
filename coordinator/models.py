"""The unified model: projects, users and tokens, job types, runs, tasks, schedules, workers, audit.

Every unit of work of every API family is a row of `Task`. Times are UTC epoch
seconds (float) so they compare and index the same way on SQLite and PostgreSQL.
"""

import secrets
import time

import peewee as pw

from coordinator.db import database
from coordinator.states import TaskState, WorkerState


DEFAULT_MAX_TRIES = 3
# The most tasks a run may have, so the bound of every task count and number an API takes
# (and its OpenAPI document states); 2**31 - 1 as taskfarm, the peer, stores them as 32-bit INT
MAX_TASKS = 2**31 - 1


class EpochField(pw.DoubleField):
    """A UTC instant as seconds since the epoch."""


class NeverReusedAutoField(pw.AutoField):
    """An id never handed out twice, so audit entries that name one stay unambiguous.

    SQLite gives a deleted largest id to the next row unless the key is AUTOINCREMENT;
    PostgreSQL's sequences never go back.
    """

    def ddl(self, ctx):
        node = super().ddl(ctx)
        bound = self.model._meta.database
        if isinstance(getattr(bound, 'obj', bound), pw.SqliteDatabase):
            return pw.NodeList((node, pw.SQL('AUTOINCREMENT')))
        return node


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class SchemaVersion(BaseModel):
    """One row: the schema version the database is at."""

    version = pw.IntegerField()


class Project(BaseModel):
    """A tenant; IronWorker addresses it by `hex_id`, other families by the caller's project."""

    name = pw.CharField(max_length=64, unique=True)
    hex_id = pw.CharField(max_length=24, unique=True, default=lambda: secrets.token_hex(12))
    created_at = EpochField(default=time.time)


class User(BaseModel):
    name = pw.CharField(max_length=64, unique=True)
    password_hash = pw.CharField(max_length=255, null=True)
    is_admin = pw.BooleanField(default=False)
    project = pw.ForeignKeyField(Project, backref='users', on_delete='CASCADE')
    created_at = EpochField(default=time.time)


class JobType(BaseModel):
    """A named, versioned kind of work that governs how its tasks are dispatched.

    A Scale job type is one, an IronWorker code package is one, and every project has a
    built-in system type for its taskfarm runs. `configuration` holds secret settings
    too: the store never returns it as stored.
    """

    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)  # leads the unique
    name = pw.CharField(max_length=64)
    version = pw.CharField(max_length=50)
    title = pw.CharField(max_length=255, null=True)
    description = pw.TextField(null=True)
    icon_code = pw.CharField(max_length=16, null=True)
    tags = pw.TextField(default='[]')  # a JSON list of strings
    is_active = pw.BooleanField(default=True)
    is_paused = pw.BooleanField(default=False)
    is_system = pw.BooleanField(default=False)
    is_published = pw.BooleanField(default=False)
    max_scheduled = pw.IntegerField(null=True)  # None: no cap
    # its queued tasks running now, kept by every claim and every move out of running in the
    # same transaction, so max_scheduled holds without counting rows (schema 9)
    scheduled_count = pw.IntegerField(default=0, constraints=[pw.SQL('DEFAULT 0')])
    max_tries = pw.IntegerField(default=DEFAULT_MAX_TRIES)
    retry_delay_s = pw.DoubleField(default=0.0)
    priority = pw.IntegerField(default=1)  # of work queued without one
    timeout_s = pw.DoubleField(null=True)
    revision_num = pw.IntegerField(default=1)
    manifest = pw.TextField(null=True)  # a Seed manifest, as JSON
    command = pw.TextField(null=True)  # or a plain argv template, as a JSON list
    docker_image = pw.CharField(max_length=255, null=True)
    configuration = pw.TextField(null=True)  # JSON: settings (secret ones too) and mounts
    created_at = EpochField(default=time.time)
    last_modified_at = EpochField(default=time.time)
    deprecated_at = EpochField(null=True)  # made inactive
    paused_at = EpochField(null=True)

    class Meta:
        indexes = ((('project', 'name', 'version'), True),)


class JobTypeRevision(BaseModel):
    """What a job type ran at one revision: work is pinned to the revision it was queued with."""

    job_type = pw.ForeignKeyField(JobType, on_delete='CASCADE', index=False)  # leads the unique
    revision_num = pw.IntegerField()
    manifest = pw.TextField(null=True)
    command = pw.TextField(null=True)
    docker_image = pw.CharField(max_length=255, null=True)
    created_at = EpochField(default=time.time)
    # an IronWorker code package's upload (schema 13): its zip, stored content-addressed under
    # the data directory by `blob` (SHA-256) and sent with its MD5 `checksum`; the file in it
    # that a task runs, with which runtime; the config string delivered to each task
    runtime = pw.CharField(max_length=16, null=True)
    file_name = pw.TextField(null=True)
    config = pw.TextField(null=True)
    env_vars = pw.TextField(null=True)  # (schema 17) a JSON object of strings, in each task's environment
    blob = pw.CharField(max_length=64, null=True)
    checksum = pw.CharField(max_length=32, null=True)
    size_bytes = pw.BigIntegerField(null=True)

    class Meta:
        indexes = ((('job_type', 'revision_num'), True),)


class Run(BaseModel):
    """A taskfarm run of `num_tasks` numbered tasks, materialised as rows when first touched.

    The counters are kept in the same transaction as every task change, so run
    status is one row read however many tasks the run has.
    """

    uuid = pw.CharField(max_length=32, unique=True)
    # index=False on a foreign key whose column leads a composite index below:
    # that index serves its lookups, and every index is one more b-tree per write
    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)
    owner = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    num_tasks = pw.BigIntegerField()
    next_number = pw.BigIntegerField(default=0)
    running_count = pw.BigIntegerField(default=0)
    done_count = pw.BigIntegerField(default=0)
    failed_count = pw.BigIntegerField(default=0)
    percent_sum = pw.DoubleField(default=0.0)
    deleting = pw.BooleanField(default=False)  # hidden at once; maintenance purges it in chunks
    created_at = EpochField(default=time.time)
    # how failures are retried (schema 2); a task handed back at walltime uses no try
    max_tries = pw.IntegerField(default=DEFAULT_MAX_TRIES,
                                constraints=[pw.SQL(f'DEFAULT {DEFAULT_MAX_TRIES}')])
    retry_delay_s = pw.DoubleField(default=0.0, constraints=[pw.SQL('DEFAULT 0')])
    task_timeout_s = pw.DoubleField(null=True)
    expected_duration_s = pw.DoubleField(null=True)
    # what users see and what agents run (schema 3): `command` is a JSON argv template
    name = pw.CharField(max_length=128, null=True)
    command = pw.TextField(null=True)
    has_inputs = pw.BooleanField(default=False, constraints=[pw.SQL('DEFAULT FALSE')])
    cancelled_count = pw.BigIntegerField(default=0, constraints=[pw.SQL('DEFAULT 0')])
    started_at = EpochField(null=True)  # first claim
    last_ended_at = EpochField(null=True)  # last task finished: the end of a finished run
    cancelled_at = EpochField(null=True)  # a person cancelled it; claims hand out nothing
    # hidden while its inputs are written in bounded transactions (schema 5)
    loading = pw.BooleanField(default=False, constraints=[pw.SQL('DEFAULT FALSE')])
    # its tasks' type: the project's built-in system type unless one was named (schema 8)
    job_type = pw.ForeignKeyField(JobType, null=True, on_delete='RESTRICT', index=False)

    class Meta:
        indexes = ((('project', 'deleting', 'id'), False),)


class RunInput(BaseModel):
    """The line a sweep gives task `number` of a run (`farm submit --each-line`), as `{line}`."""

    run = pw.ForeignKeyField(Run, on_delete='CASCADE')
    number = pw.BigIntegerField()
    value = pw.TextField()

    class Meta:
        indexes = ((('run', 'number'), True),)


class RunActivity(BaseModel):
    """Tasks of a run that finished in one minute: rates, ETAs and sparklines without scans."""

    project = pw.ForeignKeyField(Project, on_delete='CASCADE')
    run = pw.ForeignKeyField(Run, on_delete='CASCADE', index=False)  # (run, minute) leads
    minute = pw.BigIntegerField(index=True)  # epoch seconds // 60; the dashboard reads recent ones
    done = pw.BigIntegerField(default=0)
    failed = pw.BigIntegerField(default=0)

    class Meta:
        indexes = ((('run', 'minute'), True),)


class Token(BaseModel):
    """An API token: a random secret stored as its SHA-256 digest.

    A token minted with another token belongs to it (schema 5): it never outlives
    it, and deleting the parent deletes it. Tokens minted otherwise are roots.
    """

    id = NeverReusedAutoField()
    user = pw.ForeignKeyField(User, backref='tokens', on_delete='CASCADE')
    digest = pw.CharField(max_length=64, unique=True)
    scope = pw.CharField(max_length=16)
    run = pw.ForeignKeyField(Run, null=True, on_delete='CASCADE')
    created_at = EpochField(default=time.time)
    expires_at = EpochField(null=True)
    parent = pw.ForeignKeyField('self', null=True, on_delete='CASCADE', backref='children')


class Worker(BaseModel):
    """A worker process; the stock taskfarm client registers with hostname and pid only."""

    uuid = pw.CharField(max_length=64, unique=True)
    project = pw.ForeignKeyField(Project, on_delete='CASCADE')
    owner = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    hostname = pw.CharField(max_length=255)
    pid = pw.BigIntegerField()
    slots = pw.IntegerField(default=1)
    cpus = pw.IntegerField(null=True)
    memory_bytes = pw.BigIntegerField(null=True)
    load = pw.DoubleField(null=True)
    slurm_job_id = pw.CharField(max_length=64, null=True)
    walltime_end_at = EpochField(null=True)
    state = pw.CharField(max_length=16, default=WorkerState.IDLE.value)
    reason = pw.CharField(max_length=255, null=True)
    created_at = EpochField(default=time.time)
    last_heartbeat_at = EpochField(null=True)
    # the run the registering token was bound to (schema 5): only tokens bound to the same
    # run see and act for the worker, besides the project's unbound tokens
    bound_run = pw.ForeignKeyField(Run, null=True, on_delete='SET NULL')
    # what the agent said it works on (schema 10), as JSON: {"run": uuid} for `farmworker run`,
    # {"job_types": [names] or null for any} for `farmworker serve`; null: not said (stock client)
    serves = pw.TextField(null=True)


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


class CoordinatorPulse(BaseModel):
    """One row: when the reaper last made a pass, and since when the coordinator has heard agents.

    A gap between passes longer than the reaper allows means the whole coordinator
    was stalled (a database outage, a write lock held for long): the agents'
    silence then was not theirs, so their liveness is judged from `hearing_since`.
    `probed_at` is written by /health to prove that writes work.
    """

    last_pass_at = EpochField()
    hearing_since = EpochField()
    probed_at = EpochField(null=True)


class AuditLog(BaseModel):
    """Who did what to which object, and when."""

    created_at = EpochField(default=time.time)
    actor = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    project = pw.ForeignKeyField(Project, null=True, on_delete='CASCADE')
    action = pw.CharField(max_length=32)
    object_type = pw.CharField(max_length=32)
    object_id = pw.CharField(max_length=64)
    detail = pw.TextField(null=True)

    class Meta:
        # ndscheduler's /logs reads a project's entries of one kind of object in a time window
        indexes = ((('project', 'id'), False), (('project', 'object_type', 'created_at'), False))


class PasswordFailure(BaseModel):
    """A failed password check, kept for a while: guesses are limited per user name and address.

    In the database rather than in memory so that every coordinator process counts
    the same failures.
    """

    name = pw.CharField(max_length=64)  # as sent: names of no user count too
    address = pw.CharField(max_length=64)
    failed_at = EpochField(index=True)

    class Meta:
        indexes = ((('name', 'failed_at'), False), (('address', 'failed_at'), False))


class AllocationQueue(BaseModel):
    """Where the allocator may start agents for a project's waiting work: Slurm jobs of one shape.

    Each job runs one `farmworker serve` agent per node for `walltime_s`; at most `max_jobs`
    are queued or running at once, and its agents leave after `idle_timeout_s` with nothing
    to do. `serves` narrows the work it follows, as JSON: {"job_types": [names] or null,
    "runs": [uuids] or null}; null serves every family's work of the project except runs
    another queue names (coordinator.store.allocation_need). `backoff_until` holds off
    submissions after sbatch failed; `last_decision` says what the allocator last did and why.
    """

    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)  # leads the unique
    name = pw.CharField(max_length=64)
    partition = pw.CharField(max_length=64, null=True)
    account = pw.CharField(max_length=64, null=True)
    qos = pw.CharField(max_length=64, null=True)
    sbatch_args = pw.TextField(default='[]')  # more sbatch options, a JSON list of strings
    walltime_s = pw.IntegerField()
    nodes = pw.IntegerField(default=1)  # per job
    slots = pw.IntegerField(null=True)  # per node; None: the CPUs Slurm gives the agent
    max_jobs = pw.IntegerField()
    idle_timeout_s = pw.DoubleField(default=300.0)
    serves = pw.TextField(null=True)
    is_paused = pw.BooleanField(default=False)
    backoff_until = EpochField(null=True)
    failures = pw.IntegerField(default=0)  # sbatch failures in a row: the backoff doubles
    last_decision = pw.TextField(null=True)
    last_decision_at = EpochField(null=True)
    created_by = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = EpochField(default=time.time)

    class Meta:
        indexes = ((('project', 'name'), True),)


class AllocationJob(BaseModel):
    """A Slurm job the allocator submitted for a queue, and what became of it."""

    queue = pw.ForeignKeyField(AllocationQueue, on_delete='CASCADE', index=False)
    slurm_job_id = pw.CharField(max_length=64)
    state = pw.CharField(max_length=16)  # coordinator.states.AllocationJobState
    reason = pw.TextField(null=True)
    submitted_at = EpochField()
    started_at = EpochField(null=True)
    ended_at = EpochField(null=True)

    class Meta:
        indexes = ((('queue', 'state'), False), (('slurm_job_id',), False))


class DutyLease(BaseModel):
    """Which coordinator process performs a duty only one may do at a time (the allocator).

    Taken and renewed by a conditional UPDATE (coordinator.store.leases): the holder keeps
    it while it renews before `expires_at`, and another process takes it only after that.
    """

    name = pw.CharField(max_length=64, unique=True)
    holder = pw.CharField(max_length=128, null=True)
    expires_at = EpochField(default=0.0)


class JobTypeActivity(BaseModel):
    """Tasks of a type that reached one final state (and error category) in one minute: the
    job-type status views count a window out of these rows, not out of the tasks (schema 19).

    Kept by triggers on `task` (coordinator.store.type_activity), in the transaction of every
    change that moves a task into or out of a final state, or deletes it.
    """

    # a job type's id, deliberately no foreign key: the key lock its check takes on the type's
    # row at each new minute's row would make a report wait on (and deadlock with) claims,
    # which lock the rows of their types FOR UPDATE (job_types.reserve_running). Rows come
    # and go with tasks, which a type cannot be deleted with: none outlives its type.
    job_type_id = pw.BigIntegerField()
    minute = pw.BigIntegerField()  # whole epoch seconds // 60 of status_changed_at
    status = pw.CharField(max_length=16)
    category = pw.CharField(max_length=16, default='')  # '' for none: a key column, not NULL
    tasks = pw.BigIntegerField(default=0)
    latest = EpochField()  # the latest status_changed_at among them

    class Meta:
        table_name = 'job_type_activity'
        indexes = ((('job_type_id', 'minute', 'status', 'category'), True),)


MODELS = (SchemaVersion, Project, User, JobType, JobTypeRevision, Run, Token, Worker, Schedule,
          Task, AuditLog, RunInput, RunActivity, PasswordFailure, CoordinatorPulse, AllocationQueue,
          AllocationJob, DutyLease, JobTypeActivity)
