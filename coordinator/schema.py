"""Schema creation and versioned upgrades, safe to run any number of times from any number of processes.

A new database gets the current tables and is stamped `SCHEMA_VERSION`. An older
one is brought forward by the steps in `UPGRADES`: `UPGRADES[n]` takes a database
from version n - 1 to n (a function of a playhouse.migrate migrator).
"""

import time

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from coordinator.db import database, run_sql
from coordinator.models import (FIRING_INDEX, LABEL_INDEX, MODELS, AllocationJob,
                                AllocationQueue, AuditLog, CoordinatorPulse, DutyLease, JobType,
                                JobTypeActivity, JobTypeRevision, PasswordFailure, Project, Run,
                                RunActivity, RunInput, Schedule, SchemaVersion, Task, Token, Worker)
from coordinator.store import job_types, type_activity

SCHEMA_VERSION = 19


def _retries(migrator):
    """Version 2: per-run retry policy and per-task failed tries, for the farmworker protocol."""
    return [
        migrator.add_column('run', 'max_tries', Run.max_tries),
        migrator.add_column('run', 'retry_delay_s', Run.retry_delay_s),
        migrator.add_column('run', 'task_timeout_s', Run.task_timeout_s),
        migrator.add_column('run', 'expected_duration_s', Run.expected_duration_s),
        migrator.add_column('task', 'failed_tries', Task.failed_tries),
    ]


def _sweeps(migrator):
    """Version 3: run names, command templates and inputs, cancellation, per-minute activity."""
    database.create_tables((RunInput, RunActivity), safe=True)
    return [migrator.add_column('run', column, getattr(Run, column))
            for column in ('name', 'command', 'has_inputs', 'cancelled_count', 'started_at',
                           'last_ended_at', 'cancelled_at')]


def _indexes(migrator):
    """Version 4: indexes for what is written and read most.

    Drop the foreign-key indexes that a composite index already leads: each was one
    more b-tree written by every task created or changed (a claim wrote eight).
    Index run_activity by minute: the overview reads the last hour's rows, and
    without it scanned every run's whole history.
    """
    for index in ('run_project_id', 'run_activity_run_id', 'task_run_id', 'task_worker_id'):
        database.execute_sql(f'DROP INDEX IF EXISTS {index}')
    RunActivity._schema.create_indexes(safe=True)
    return []


def _reach(migrator):
    """Version 5: what a token may reach.

    Tokens name the token that minted them (revoking it revokes them); workers the run
    their registering token was bound to; failed password checks are kept, to limit
    guessing across processes. On SQLite the token table is rebuilt with AUTOINCREMENT,
    so a revoked token's id is never handed out again (PostgreSQL's sequences never are).
    """
    database.create_tables((PasswordFailure,), safe=True)
    if isinstance(database.obj, peewee.SqliteDatabase):
        _rebuild_token_table()
        token_steps = []
    else:
        token_steps = [migrator.add_column('token', 'parent_id', Token.parent)]
    return token_steps + [migrator.add_column('worker', 'bound_run_id', Worker.bound_run)]


def _rebuild_token_table() -> None:
    """SQLite cannot make a key AUTOINCREMENT in place: copy the tokens into a new table.

    The sequence starts past every id the audit log saw revoked, so no new token
    takes the id of one revoked before the upgrade either.
    """
    columns = 'id, user_id, digest, scope, run_id, created_at, expires_at'
    database.execute_sql('ALTER TABLE token RENAME TO token_v4')
    for index in database.get_indexes('token_v4'):
        database.execute_sql(f'DROP INDEX {index.name}')
    Token.create_table()
    database.execute_sql(f'INSERT INTO token ({columns}) SELECT {columns} FROM token_v4')
    database.execute_sql('DROP TABLE token_v4')
    (revoked,) = run_sql("SELECT MAX(CAST(object_id AS INTEGER)) FROM audit_log "
                         "WHERE action = 'token.revoke'").fetchone()
    if revoked is not None:
        run_sql("INSERT INTO sqlite_sequence (name, seq) SELECT 'token', 0 "
                "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'token')")
        run_sql("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'token'", (revoked,))


def _pulse(migrator):
    """Version 6: the coordinator's pulse (liveness judged only while it could hear), loading runs."""
    database.create_tables((CoordinatorPulse,), safe=True)
    return [migrator.add_column('run', 'loading', Run.loading)]


def _no_task_lease(migrator):
    """Version 7: drop task.lease_expires_at, which nothing ever set.

    A worker's tasks are leased through the worker: its heartbeat keeps them, and the
    reaper requeues them all when it falls silent for `worker_ttl_s`.
    """
    return [migrator.drop_column('task', 'lease_expires_at')]


def _job_types(migrator):
    """Version 8: job types and their revisions; every run and task gets a type.

    Runs and their tasks so far belong to their project's built-in type of runs.
    """
    database.create_tables((JobType, JobTypeRevision), safe=True)
    migrate(migrator.add_column('run', 'job_type_id', Run.job_type),
            migrator.add_column('task', 'job_type_id', Task.job_type),
            migrator.add_column('task', 'job_type_revision_id', Task.job_type_revision))
    for (project_id,) in run_sql('SELECT id FROM project').fetchall():
        type_id = job_types.run_type_id(project_id)
        run_sql('UPDATE run SET job_type_id = ? WHERE project_id = ?', (type_id, project_id))
        run_sql('UPDATE task SET job_type_id = ? WHERE project_id = ?', (type_id, project_id))
    return []


def _queued_work(migrator):
    """Version 9: queued tasks carry their retry policy; job types count their running tasks."""
    _create_task_indexes()  # task_queued_work: the claim's way in
    steps = [migrator.add_column('task', 'max_tries', Task.max_tries),
             migrator.add_column('task', 'retry_delay_s', Task.retry_delay_s)]
    # a database older than 8 got job_type as it is now from version 8's step
    if 'scheduled_count' not in {column.name for column in database.get_columns('job_type')}:
        steps.append(migrator.add_column('job_type', 'scheduled_count', JobType.scheduled_count))
    return steps


def _served(migrator):
    """Version 10: workers say what they serve, so a waiting task can say none serves it."""
    return [migrator.add_column('worker', 'serves', Worker.serves)]


def _job_status(migrator):
    """Version 11: tasks say which error failed them and what they produced; the indexes of the
    job-type status views and of the queue's summary."""
    _create_task_indexes()  # task_type_status, task_type_queue
    return [migrator.add_column('task', 'error_name', Task.error_name),
            migrator.add_column('task', 'output', Task.output)]


def _lean_task_indexes(migrator):
    """Version 12: fewer task indexes for a state change to move (see models.Task).

    The one on (status, priority, id) goes, which no query read, the one of runs' tasks by
    state leaves queued work out, and the claim's way into queued work holds available_at.
    """
    for index in ('task_status_priority_id', 'task_run_id_status_number', 'task_queued_work'):
        database.execute_sql(f'DROP INDEX IF EXISTS {index}')
    _create_task_indexes()  # task_run_work
    return []


# Task indexes of columns a later step adds, and the column each needs
_LATER_INDEXES = {FIRING_INDEX: 'schedule_id', LABEL_INDEX: 'label'}


def _create_task_indexes() -> None:
    """Create Task's missing indexes, but not yet those of columns a later step adds: the
    firing index needs the schedule_id of version 14, the label index the label of 15."""
    columns = {column.name for column in database.get_columns('task')}
    for index in Task._meta.fields_to_index():
        if not any(isinstance(index, peewee.SQL) and name in index.sql and column not in columns
                   for name, column in _LATER_INDEXES.items()):
            database.execute(Task._schema._create_index(index, safe=True))


def _code_packages(migrator):
    """Version 13: revisions of IronWorker code packages carry their zip, runtime and config."""
    # a database older than 8 got job_type_revision as it is now from version 8's step
    present = {column.name for column in database.get_columns('job_type_revision')}
    return [migrator.add_column('job_type_revision', column, getattr(JobTypeRevision, column))
            for column in CODE_COLUMNS if column not in present]


CODE_COLUMNS = ('runtime', 'file_name', 'config', 'blob', 'checksum', 'size_bytes')


def _schedules(migrator):
    """Version 14: schedules (ndscheduler jobs, IronWorker schedules); each task names the
    schedule and fire time it was queued for, unique together; audit entries by kind and time."""
    database.create_tables((Schedule,), safe=True)
    migrate(migrator.add_column('task', 'schedule_id', Task.schedule),
            migrator.add_column('task', 'fire_at', Task.fire_at))
    _create_task_indexes()  # task_schedule_firing
    AuditLog._schema.create_indexes(safe=True)
    return []


def _task_labels(migrator):
    """Version 15: queued work carries a caller's label (IronWorker's list filter)."""
    return [migrator.add_column('task', 'label', Task.label)]


def _queued_work_lists(migrator):
    """Version 16: indexes of queued work by time and by label, for IronWorker's task lists
    and ndscheduler's executions (see models.Task)."""
    _create_task_indexes()  # task_queued_created, task_labelled
    return []


def _code_env_vars(migrator):
    """Version 17: revisions of IronWorker code packages carry their env_vars."""
    # a database older than 8 got job_type_revision as it is now from version 8's step
    if 'env_vars' in {column.name for column in database.get_columns('job_type_revision')}:
        return []
    return [migrator.add_column('job_type_revision', 'env_vars', JobTypeRevision.env_vars)]



def _allocations(migrator):
    """Version 18: allocation queues, the Slurm jobs the allocator submitted, duty leases."""
    database.create_tables((AllocationQueue, AllocationJob, DutyLease), safe=True)
    return []


def _type_activity(migrator):
    """Version 19: finished tasks counted by type, minute and state, by triggers on task; the
    tasks already finished counted in the same step (coordinator.store.type_activity)."""
    database.create_tables((JobTypeActivity,), safe=True)
    type_activity.install()
    if not JobTypeActivity.select().exists():  # a step run again (the triggers were there)
        type_activity.back_fill()
    return []


UPGRADES = {2: _retries, 3: _sweeps, 4: _indexes, 5: _reach, 6: _pulse, 7: _no_task_lease,
            8: _job_types, 9: _queued_work, 10: _served, 11: _job_status, 12: _lean_task_indexes,
            13: _code_packages, 14: _schedules, 15: _task_labels, 16: _queued_work_lists,
            17: _code_env_vars, 18: _allocations, 19: _type_activity}
DEFAULT_PROJECT = 'default'
_UPGRADE_LOCK_ID = 0x7461736B  # 'task'


def upgrade() -> tuple[int | None, int]:
    """Create or upgrade the schema; returns (version found, version now)."""
    with database.write():
        if isinstance(database.obj, peewee.PostgresqlDatabase):
            # coordinators starting together on one PostgreSQL upgrade one at a time
            database.execute_sql('SELECT pg_advisory_xact_lock(%s)', (_UPGRADE_LOCK_ID,))
        found = _current_version()
        if found is None:
            database.create_tables(MODELS, safe=True)
            type_activity.install()
            SchemaVersion.create(version=SCHEMA_VERSION)
        elif found > SCHEMA_VERSION:
            raise RuntimeError(
                f'the database is at schema version {found}, newer than this '
                f'coordinator ({SCHEMA_VERSION}); upgrade hpc-taskfarm'
            )
        else:
            migrator = _migrator()
            for version in range(found + 1, SCHEMA_VERSION + 1):
                migrate(*UPGRADES[version](migrator))
            SchemaVersion.update(version=SCHEMA_VERSION).execute()
        project, _ = Project.get_or_create(name=DEFAULT_PROJECT)
        job_types.run_type_id(project.id)
        if not CoordinatorPulse.select().exists():
            # hearing since forever: a fresh coordinator judges agents as usual; a gap between
            # this pass and the first real one (a server started later) resets it
            CoordinatorPulse.create(id=1, last_pass_at=time.time(), hearing_since=0.0)
    return found, SCHEMA_VERSION


def _current_version() -> int | None:
    if not SchemaVersion.table_exists():
        return None
    row = SchemaVersion.select(SchemaVersion.version).first()
    return row.version if row else None


def _migrator():
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(database.obj)
    return SqliteMigrator(database.obj)
