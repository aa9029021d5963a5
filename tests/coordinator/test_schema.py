"""Schema: creation is idempotent and versioned; a newer database is refused, not damaged."""

import pytest

from coordinator import schema
from coordinator.models import (CoordinatorPulse, Project, Run, RunActivity, RunInput,
                                SchemaVersion)


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


def _index_names(database) -> set[str]:
    return {index.name for table in ('run', 'task', 'run_activity')
            for index in database.get_indexes(table)}


def _restore_version_3_indexes(database) -> None:
    for index, table, column in _DROPPED_IN_4:
        database.execute_sql(f'CREATE INDEX {index} ON {table} ({column})')
    database.execute_sql('CREATE INDEX run_activity_run_id ON run_activity (run_id)')
    database.execute_sql('DROP INDEX run_activity_minute')


def _undo_version_5(database) -> None:
    database.execute_sql('DROP TABLE coordinator_pulse')
    database.execute_sql('ALTER TABLE run DROP COLUMN loading')


def test_a_version_4_database_gets_the_pulse_and_loading_runs(database):
    project = Project.get(Project.name == schema.DEFAULT_PROJECT)
    _undo_version_5(database)
    database.execute_sql('INSERT INTO run (uuid, project_id, num_tasks, next_number, running_count, '
                         'done_count, failed_count, percent_sum, deleting, created_at) '
                         f"VALUES ('old', {project.id}, 5, 0, 0, 0, 0, 0, FALSE, 0)")
    SchemaVersion.update(version=4).execute()
    assert schema.upgrade() == (4, schema.SCHEMA_VERSION)
    assert Run.get(Run.uuid == 'old').loading is False
    assert CoordinatorPulse.get().hearing_since == 0.0


def test_a_version_3_database_gets_the_version_4_indexes(database):
    fresh_indexes = _index_names(database)
    _undo_version_5(database)
    _restore_version_3_indexes(database)
    SchemaVersion.update(version=3).execute()
    assert schema.upgrade() == (3, schema.SCHEMA_VERSION)
    assert _index_names(database) == fresh_indexes


def test_a_version_1_database_is_brought_to_the_current_schema_keeping_its_runs(database):
    fresh_indexes = _index_names(database)
    # rebuild the version-1 shape: the same tables without what later versions added
    _undo_version_5(database)
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
