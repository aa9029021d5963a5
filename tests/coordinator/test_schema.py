"""Schema: creation is idempotent and versioned; a newer database is refused, not damaged."""

import re

import peewee
import pytest

from coordinator import schema
from coordinator.db import run_sql
from coordinator.models import (FIRING_INDEX, LABEL_INDEX, QUEUE_INDEX, QUEUED_CREATED_INDEX,
                                STATUS_INDEX, AllocationJob, AllocationQueue, AuditLog,
                                CoordinatorPulse, JobType, JobTypeRevision, Project, Run,
                                RunActivity, RunInput, Schedule, SchemaVersion, Task, User)
from coordinator.store import audit, job_types, type_activity, users


def test_upgrading_twice_changes_nothing(database):
    assert schema.upgrade() == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)
    assert SchemaVersion.select().count() == 1
    assert Project.select().where(Project.name == schema.DEFAULT_PROJECT).count() == 1


def test_a_database_from_a_newer_release_is_refused(database):
    SchemaVersion.update(version=schema.SCHEMA_VERSION + 1).execute()
    with pytest.raises(RuntimeError, match='newer'):
        schema.upgrade()


def test_older_databases_are_brought_forward_step_by_step(database, monkeypatch):
    applied = []
    monkeypatch.setattr(schema, 'SCHEMA_VERSION', schema.SCHEMA_VERSION + 1)
    monkeypatch.setitem(schema.UPGRADES, schema.SCHEMA_VERSION, lambda m: applied.append(m) or [])
    assert schema.upgrade() == (schema.SCHEMA_VERSION - 1, schema.SCHEMA_VERSION)
    assert len(applied) == 1 and SchemaVersion.get().version == schema.SCHEMA_VERSION


_ADDED_SINCE_1 = {
    2: (('run', 'max_tries'), ('run', 'retry_delay_s'), ('run', 'task_timeout_s'),
        ('run', 'expected_duration_s'), ('task', 'failed_tries')),
    3: (('run', 'name'), ('run', 'command'), ('run', 'has_inputs'), ('run', 'cancelled_count'),
        ('run', 'started_at'), ('run', 'last_ended_at'), ('run', 'cancelled_at')),
}


# the foreign-key indexes that version 4 dropped (run_activity's came with version 3)
_DROPPED_IN_4 = (('run_project_id', 'run', 'project_id'), ('task_run_id', 'task', 'run_id'),
                 ('task_worker_id', 'task', 'worker_id'))


# token and worker as version 4 made them on SQLite, which cannot drop a foreign-key column
_SQLITE_VERSION_4 = (
    'CREATE TABLE "token" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL, '
    '"digest" VARCHAR(64) NOT NULL, "scope" VARCHAR(16) NOT NULL, "run_id" INTEGER, '
    '"created_at" REAL NOT NULL, "expires_at" REAL, '
    'FOREIGN KEY ("user_id") REFERENCES "user" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("run_id") REFERENCES "run" ("id") ON DELETE CASCADE)',
    'CREATE INDEX "token_user_id" ON "token" ("user_id")',
    'CREATE UNIQUE INDEX "token_digest" ON "token" ("digest")',
    'CREATE INDEX "token_run_id" ON "token" ("run_id")',
    'CREATE TABLE "worker" ("id" INTEGER NOT NULL PRIMARY KEY, "uuid" VARCHAR(64) NOT NULL, '
    '"project_id" INTEGER NOT NULL, "owner_id" INTEGER, "hostname" VARCHAR(255) NOT NULL, '
    '"pid" INTEGER NOT NULL, "slots" INTEGER NOT NULL, "cpus" INTEGER, "memory_bytes" INTEGER, '
    '"load" REAL, "slurm_job_id" VARCHAR(64), "walltime_end_at" REAL, '
    '"state" VARCHAR(16) NOT NULL, "reason" VARCHAR(255), "created_at" REAL NOT NULL, '
    '"last_heartbeat_at" REAL, '
    'FOREIGN KEY ("project_id") REFERENCES "project" ("id") ON DELETE CASCADE, '
    'FOREIGN KEY ("owner_id") REFERENCES "user" ("id") ON DELETE SET NULL)',
    'CREATE UNIQUE INDEX "worker_uuid" ON "worker" ("uuid")',
    'CREATE INDEX "worker_project_id" ON "worker" ("project_id")',
    'CREATE INDEX "worker_owner_id" ON "worker" ("owner_id")',
)


def _restore_version_4(database) -> None:
    """Undo what versions 6 and 5 added to a fresh (empty) database."""
    _restore_version_5(database)
    database.execute_sql('DROP TABLE password_failure')
    if isinstance(database, peewee.SqliteDatabase):
        database.execute_sql('DROP TABLE token')
        database.execute_sql('DROP TABLE worker')
        for statement in _SQLITE_VERSION_4:
            database.execute_sql(statement)
    else:
        database.execute_sql('ALTER TABLE token DROP COLUMN parent_id')
        database.execute_sql('ALTER TABLE worker DROP COLUMN bound_run_id')


def _index_names(database) -> set[str]:
    return {index.name for table in ('run', 'task', 'run_activity', 'token', 'worker',
                                     'password_failure', 'audit_log')
            for index in database.get_indexes(table)}


def _columns(database) -> set[tuple[str, str]]:
    return {(table, column.name) for table in ('token', 'worker', 'password_failure')
            for column in database.get_columns(table)}


def test_a_version_4_database_gets_token_parents_worker_bindings_and_unreused_ids(database):
    fresh_indexes, fresh_columns = _index_names(database), _columns(database)
    _restore_version_4(database)
    users.add_user('alice')
    alice = User.get(User.name == 'alice')
    kept, revoked = (run_sql('INSERT INTO token (user_id, digest, scope, created_at) '
                             "VALUES (?, ?, 'user', 0) RETURNING id",
                             (alice.id, users.token_digest(secret))).fetchone()[0]
                     for secret in ('farm_kept', 'farm_revoked'))
    run_sql('DELETE FROM token WHERE id = ?', (revoked,))
    audit.record(None, 'token.revoke', 'token', revoked)
    run_sql("INSERT INTO worker (uuid, project_id, hostname, pid, slots, state, created_at) "
            "VALUES ('w-old', ?, 'node01', 7, 1, 'idle', 0)", (alice.project_id,))
    SchemaVersion.update(version=4).execute()
    assert schema.upgrade() == (4, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes and _columns(database) == fresh_columns
    assert users.principal_for_token('farm_kept').token_id == kept
    assert run_sql("SELECT bound_run_id FROM worker WHERE uuid = 'w-old'").fetchone() == (None,)
    users.create_token('alice')
    (old, new) = users.list_tokens('alice')
    assert (old.id, old.parent_id) == (kept, None) and new.id > revoked
    assert AuditLog.select().where(AuditLog.action == 'token.revoke').count() == 1


def _restore_version_3_indexes(database) -> None:
    for index, table, column in _DROPPED_IN_4:
        database.execute_sql(f'CREATE INDEX {index} ON {table} ({column})')
    database.execute_sql('CREATE INDEX run_activity_run_id ON run_activity (run_id)')
    database.execute_sql('DROP INDEX run_activity_minute')


_AUDIT_BY_KIND = 'audit_log_project_id_object_type_created_at'


def _queue_one_per_type(project) -> None:
    """A queued task of each of the project's types, written as an older schema's rows were."""
    run_sql("INSERT INTO task (project_id, job_type_id, status, priority, available_at, attempt, "
            "failed_tries, percent, created_at) "
            "SELECT project_id, id, 'queued', 0, 0, 0, 0, 0, 0 FROM job_type WHERE project_id = ?",
            (project.id,))


def _restore_version_18(database) -> None:
    """Undo what version 19 did: the finished tasks' counters and their triggers."""
    type_activity.remove()
    database.execute_sql('DROP TABLE job_type_activity')


def test_a_version_18_database_counts_its_finished_tasks_and_goes_on_counting(database):
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_18(database)
    # finished tasks as version 18 wrote them: two in one minute, one the next, one untyped
    for status, category, at in (('complete', None, 600.5), ('complete', None, 659.0),
                                 ('error', 'SYSTEM', 660.0), ('complete', None, 700.0)):
        run_sql('INSERT INTO task (project_id, job_type_id, status, error_category, priority, '
                'available_at, attempt, failed_tries, percent, created_at, status_changed_at) '
                'SELECT project_id, CASE WHEN ? = 700.0 THEN NULL ELSE id END, ?, ?, 0, 0, 1, '
                '0, 0, 0, ? FROM job_type WHERE project_id = ?',
                (at, status, category, at, project.id))
    SchemaVersion.update(version=18).execute()
    assert schema.upgrade() == (18, schema.SCHEMA_VERSION)
    (type_id,) = run_sql('SELECT id FROM job_type').fetchone()
    rows = 'SELECT job_type_id, minute, status, category, tasks, latest FROM job_type_activity '
    assert run_sql(rows + 'ORDER BY minute, status').fetchall() == [
        (type_id, 10, 'complete', '', 2, 659.0), (type_id, 11, 'error', 'SYSTEM', 1, 660.0)]
    run_sql("UPDATE task SET status = 'queued' WHERE status_changed_at = 659.0")  # a retry
    assert run_sql(rows + 'ORDER BY minute, status').fetchall() == [
        (type_id, 10, 'complete', '', 1, 600.5), (type_id, 11, 'error', 'SYSTEM', 1, 660.0)]
    assert schema.upgrade() == (schema.SCHEMA_VERSION, schema.SCHEMA_VERSION)


def _restore_version_17(database) -> None:
    """Undo what version 18 did: allocation queues, their jobs, duty leases (and 19)."""
    _restore_version_18(database)
    for table in ('allocation_job', 'allocation_queue', 'duty_lease'):
        database.execute_sql(f'DROP TABLE {table}')


def test_a_version_17_database_gets_allocation_queues_jobs_and_leases(database):
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_17(database)
    SchemaVersion.update(version=17).execute()
    assert schema.upgrade() == (17, schema.SCHEMA_VERSION)
    queue = AllocationQueue.create(project=project, name='cpu', walltime_s=3600, max_jobs=2)
    AllocationJob.create(queue=queue, slurm_job_id='17', state='pending', submitted_at=1.0)
    assert AllocationJob.get().queue.name == 'cpu'
    with pytest.raises(peewee.IntegrityError):
        AllocationQueue.create(project=project, name='cpu', walltime_s=60, max_jobs=1)


def _restore_version_16(database) -> None:
    """Undo what version 17 did: code revisions' env_vars (and what came after)."""
    _restore_version_17(database)
    database.execute_sql('ALTER TABLE job_type_revision DROP COLUMN env_vars')


def test_a_version_16_database_gets_code_env_vars(database):
    _restore_version_16(database)
    SchemaVersion.update(version=16).execute()
    assert schema.upgrade() == (16, schema.SCHEMA_VERSION)
    revisions = list(JobTypeRevision.select())  # the default project's taskfarm-run type's
    assert revisions and {revision.env_vars for revision in revisions} == {None}
    JobTypeRevision.update(env_vars='{"A": "1"}').execute()
    assert JobTypeRevision.select().first().env_vars == '{"A": "1"}'


def _restore_version_15(database) -> None:
    """Undo what version 16 did: the indexes of queued work by time and by label (and 17)."""
    _restore_version_16(database)
    for index in (QUEUED_CREATED_INDEX, LABEL_INDEX):
        database.execute_sql(f'DROP INDEX {index}')


def _upgraded_with_a_task_per_type(database, version: int, restore) -> set[str]:
    """Take the fresh database back to `version` with `restore`, queue a task of each type as
    that version wrote them, and upgrade it; the fresh database's index names."""
    fresh_indexes = _index_names(database)
    restore(database)
    _queue_one_per_type(Project.get(Project.name == schema.DEFAULT_PROJECT))
    SchemaVersion.update(version=version).execute()
    assert schema.upgrade() == (version, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes
    return fresh_indexes


def test_a_version_15_database_gets_the_indexes_of_queued_work_lists(database):
    fresh_indexes = _upgraded_with_a_task_per_type(database, 15, _restore_version_15)
    assert {QUEUED_CREATED_INDEX, LABEL_INDEX} <= fresh_indexes


def _restore_version_14(database) -> None:
    """Undo what version 15 did: tasks' labels (and what came after)."""
    _restore_version_15(database)
    database.execute_sql('ALTER TABLE task DROP COLUMN label')


def test_a_version_14_database_gets_task_labels(database):
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_14(database)
    _queue_one_per_type(project)
    SchemaVersion.update(version=14).execute()
    assert schema.upgrade() == (14, schema.SCHEMA_VERSION)
    assert Task.get().label is None
    Task.update(label='nightly').execute()
    assert Task.get().label == 'nightly'


def _restore_version_13(database) -> None:
    """Undo what version 14 did: schedules, the task's schedule and fire time, an audit index
    (and undo 15)."""
    _restore_version_14(database)
    database.execute_sql(f'DROP INDEX {FIRING_INDEX}')
    database.execute_sql(f'DROP INDEX {_AUDIT_BY_KIND}')
    if isinstance(database, peewee.SqliteDatabase):
        _drop_foreign_keys_of_empty_table(database, 'task', ('schedule_id',))
    else:
        database.execute_sql('ALTER TABLE task DROP COLUMN schedule_id')
    database.execute_sql('ALTER TABLE task DROP COLUMN fire_at')
    database.execute_sql('DROP TABLE schedule')


def test_a_version_13_database_gets_schedules_and_one_task_per_firing(database):
    fresh_indexes = _upgraded_with_a_task_per_type(database, 13, _restore_version_13)
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    assert {FIRING_INDEX, _AUDIT_BY_KIND} <= fresh_indexes
    old = Task.get()
    assert (old.schedule_id, old.fire_at) == (None, None)
    schedule = Schedule.create(project=project, family='ndscheduler', public_id='a' * 32,
                               minute='*/1')
    firing = dict(project=project, job_type=old.job_type_id, schedule=schedule, fire_at=60.0)
    Task.create(**firing)
    Task.create(**{**firing, 'fire_at': None})  # run by hand: no fire time, as often as asked
    Task.create(**{**firing, 'fire_at': None})
    with pytest.raises(peewee.IntegrityError), database.atomic():
        Task.create(**firing)


def _restore_version_12(database) -> None:
    """Take away the code package columns version 13 added to revisions (and undo 14)."""
    _restore_version_13(database)
    for column in schema.CODE_COLUMNS:
        database.execute_sql(f'ALTER TABLE job_type_revision DROP COLUMN {column}')


def test_a_version_12_database_gets_code_package_revisions(database):
    fresh_columns = {column.name for column in database.get_columns('job_type_revision')}
    _restore_version_12(database)
    SchemaVersion.update(version=12).execute()
    assert schema.upgrade() == (12, schema.SCHEMA_VERSION)
    assert {column.name for column in database.get_columns('job_type_revision')} == fresh_columns
    assert set(schema.CODE_COLUMNS) <= fresh_columns


def _restore_version_11(database) -> None:
    """Put back the task indexes version 12 replaced (and undo versions 13 and 14)."""
    _restore_version_12(database)
    database.execute_sql('DROP INDEX task_run_work')
    database.execute_sql('CREATE INDEX task_run_id_status_number ON task (run_id, status, number)')
    database.execute_sql('CREATE INDEX task_status_priority_id ON task (status, priority, id)')
    database.execute_sql('DROP INDEX task_queued_work')
    database.execute_sql('CREATE INDEX task_queued_work ON task (job_type_id, priority DESC, id) '
                         "WHERE status = 'queued' AND run_id IS NULL")


def test_a_version_11_database_trades_two_task_indexes_for_one_partial_index(database):
    fresh_indexes = _index_names(database)
    _restore_version_11(database)
    SchemaVersion.update(version=11).execute()
    assert schema.upgrade() == (11, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes
    assert 'task_status_priority_id' not in fresh_indexes
    (definition,) = [index.sql for index in database.get_indexes('task')
                     if index.name == 'task_queued_work']
    assert 'available_at' in definition


def _restore_version_10(database) -> None:
    """Undo what versions 12 and 11 did."""
    _restore_version_11(database)
    for index in (STATUS_INDEX, QUEUE_INDEX):
        database.execute_sql(f'DROP INDEX {index}')
    for column in ('error_name', 'output'):
        database.execute_sql(f'ALTER TABLE task DROP COLUMN {column}')


def _restore_version_9(database) -> None:
    """Undo what versions 12, 11 and 10 did."""
    _restore_version_10(database)
    database.execute_sql('ALTER TABLE worker DROP COLUMN serves')


def test_a_version_9_database_gets_what_workers_serve(database):
    _restore_version_9(database)
    SchemaVersion.update(version=9).execute()
    assert schema.upgrade() == (9, schema.SCHEMA_VERSION)
    assert ('worker', 'serves') in _columns(database)


def _restore_version_8(database) -> None:
    """Undo what versions 12 to 9 did."""
    _restore_version_9(database)
    database.execute_sql('DROP INDEX task_queued_work')
    for table, column in (('task', 'max_tries'), ('task', 'retry_delay_s'),
                          ('job_type', 'scheduled_count')):
        database.execute_sql(f'ALTER TABLE {table} DROP COLUMN {column}')


def test_a_version_10_database_gets_error_names_outputs_and_the_status_indexes(database):
    fresh_indexes = _index_names(database)
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_10(database)
    run_sql("INSERT INTO task (project_id, job_type_id, status, priority, available_at, attempt, "
            "failed_tries, percent, created_at, error_category) "
            "SELECT project_id, id, 'error', 0, 0, 1, 1, 0, 0, 'SYSTEM' FROM job_type "
            'WHERE project_id = ?', (project.id,))
    SchemaVersion.update(version=10).execute()
    assert schema.upgrade() == (10, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes
    assert {STATUS_INDEX, QUEUE_INDEX} <= fresh_indexes
    task = Task.get()
    assert (task.error_category, task.error_name, task.output) == ('SYSTEM', None, None)


def test_a_version_8_database_gets_queued_work_policies_and_type_counts(database):
    fresh_indexes = _index_names(database)
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_8(database)
    SchemaVersion.update(version=8).execute()
    assert schema.upgrade() == (8, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes
    assert JobType.get(JobType.project == project).scheduled_count == 0


def _restore_version_7(database) -> None:
    """Undo what versions 9 and 8 added to a fresh (empty) database."""
    _restore_version_8(database)
    for table, columns in (('run', ('job_type_id',)),
                           ('task', ('job_type_id', 'job_type_revision_id'))):
        if isinstance(database, peewee.SqliteDatabase):
            _drop_foreign_keys_of_empty_table(database, table, columns)
        else:
            for column in columns:
                database.execute_sql(f'ALTER TABLE {table} DROP COLUMN {column}')
    database.execute_sql('DROP TABLE job_type_revision')
    database.execute_sql('DROP TABLE job_type')


def _drop_foreign_keys_of_empty_table(database, table: str, columns: tuple[str, ...]) -> None:
    """SQLite cannot drop a foreign-key column: create the (empty) table again without it."""
    (sql,) = database.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' "
                                  'AND name = ?', (table,)).fetchone()
    indexes = [row[0] for row in database.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        (table,))]
    for column in columns:
        sql = re.sub(rf', "{column}" [^,]*', '', sql)
        sql = re.sub(rf', FOREIGN KEY \("{column}"\) REFERENCES [^)]*\)( ON DELETE [A-Z ]+)?',
                     '', sql)
    database.execute_sql(f'DROP TABLE {table}')
    database.execute_sql(sql)
    for index in indexes:
        if not any(f'"{column}"' in index for column in columns):
            database.execute_sql(index)


def test_a_version_7_database_gives_its_runs_and_tasks_the_run_type_of_their_project(database):
    fresh_indexes = _index_names(database)
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_7(database)
    database.execute_sql('INSERT INTO run (uuid, project_id, num_tasks, next_number, running_count, '
                         'done_count, failed_count, percent_sum, deleting, created_at) '
                         f"VALUES ('old', {project.id}, 5, 1, 1, 0, 0, 0, FALSE, 0)")
    database.execute_sql('INSERT INTO task (project_id, run_id, number, status, priority, '
                         'available_at, attempt, percent, created_at) '
                         f"SELECT {project.id}, id, 0, 'running', 0, 0, 1, 0, 0 FROM run")
    SchemaVersion.update(version=7).execute()
    assert schema.upgrade() == (7, schema.SCHEMA_VERSION)
    run_type = JobType.get(JobType.project == project, JobType.is_system)
    assert (run_type.name, run_type.version) == job_types.RUN_TYPE
    assert Run.get(Run.uuid == 'old').job_type_id == run_type.id
    assert [task.job_type_id for task in Task.select()] == [run_type.id]
    assert _index_names(database) == fresh_indexes


def _restore_version_6(database) -> None:
    """Undo what version 8 added, and put back what version 7 dropped."""
    _restore_version_7(database)
    kind = 'REAL' if isinstance(database, peewee.SqliteDatabase) else 'DOUBLE PRECISION'
    database.execute_sql(f'ALTER TABLE task ADD COLUMN lease_expires_at {kind}')


def _restore_version_5(database) -> None:
    """Undo what versions 8, 7 and 6 did."""
    _restore_version_6(database)
    database.execute_sql('DROP TABLE coordinator_pulse')
    database.execute_sql('ALTER TABLE run DROP COLUMN loading')


def test_a_version_5_database_gets_the_pulse_and_loading_runs(database):
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_5(database)
    database.execute_sql('INSERT INTO run (uuid, project_id, num_tasks, next_number, running_count, '
                         'done_count, failed_count, percent_sum, deleting, created_at) '
                         f"VALUES ('old', {project.id}, 5, 0, 0, 0, 0, 0, FALSE, 0)")
    SchemaVersion.update(version=5).execute()
    assert schema.upgrade() == (5, schema.SCHEMA_VERSION)
    assert Run.get(Run.uuid == 'old').loading is False
    assert CoordinatorPulse.get().hearing_since == 0.0


def test_a_version_6_database_loses_the_lease_column_nothing_wrote_and_keeps_its_tasks(database):
    fresh = {column.name for column in database.get_columns('task')}
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _restore_version_6(database)
    database.execute_sql('INSERT INTO run (uuid, project_id, num_tasks, next_number, running_count, '
                         'done_count, failed_count, percent_sum, deleting, created_at) '
                         f"VALUES ('old', {project.id}, 2, 0, 0, 0, 0, 0, FALSE, 0)")
    run_sql('INSERT INTO task (project_id, run_id, number, status, priority, available_at, '
            'attempt, failed_tries, percent, created_at, lease_expires_at) '
            "SELECT project_id, id, 0, 'queued', 0, 0, 0, 0, 40, 0, NULL FROM run")
    SchemaVersion.update(version=6).execute()
    assert schema.upgrade() == (6, schema.SCHEMA_VERSION)
    assert {column.name for column in database.get_columns('task')} == fresh
    assert run_sql('SELECT number, percent FROM task').fetchall() == [(0, 40.0)]


def test_a_version_3_database_gets_the_version_4_indexes(database):
    fresh_indexes = _index_names(database)
    _restore_version_4(database)
    _restore_version_3_indexes(database)
    SchemaVersion.update(version=3).execute()
    assert schema.upgrade() == (3, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes


def test_a_version_1_database_is_brought_to_the_current_schema_keeping_its_runs(database):
    fresh_indexes = _index_names(database)
    # rebuild the version-1 shape: the same tables without what later versions added
    _restore_version_4(database)
    for index, table, column in _DROPPED_IN_4:
        database.execute_sql(f'CREATE INDEX {index} ON {table} ({column})')
    database.execute_sql('DROP TABLE run_input')
    database.execute_sql('DROP TABLE run_activity')
    for table, column in (pair for pairs in _ADDED_SINCE_1.values() for pair in pairs):
        database.execute_sql(f'ALTER TABLE {table} DROP COLUMN {column}')
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    database.execute_sql('INSERT INTO run (uuid, project_id, num_tasks, next_number, running_count, '
                         'done_count, failed_count, percent_sum, deleting, created_at) '
                         f"VALUES ('old', {project.id}, 5, 0, 0, 0, 0, 0, FALSE, 0)")
    SchemaVersion.update(version=1).execute()
    assert schema.upgrade() == (1, schema.SCHEMA_VERSION)
    columns = {(table, c.name) for table in ('run', 'task') for c in database.get_columns(table)}
    assert {pair for pairs in _ADDED_SINCE_1.values() for pair in pairs} <= columns
    old = Run.get(Run.uuid == 'old')  # the models can use it, with the defaults filled in
    assert (old.max_tries, old.has_inputs, old.cancelled_count, old.name) == (3, False, 0, None)
    assert RunActivity.select().count() == 0 and RunInput.select().count() == 0
    assert _index_names(database) == fresh_indexes
