"""Schema: creation is idempotent and versioned; a newer database is refused, not damaged."""

import pytest

from coordinator import schema
from coordinator.models import Project, Run, SchemaVersion


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


def test_a_version_1_database_gains_the_retry_columns(database):
    # rebuild the version-1 shape: the same tables without the columns version 2 added
    for table, column in (('run', 'max_tries'), ('run', 'retry_delay_s'), ('run', 'task_timeout_s'),
                          ('run', 'expected_duration_s'), ('task', 'failed_tries')):
        database.execute_sql(f'ALTER TABLE {table} DROP COLUMN {column}')
    SchemaVersion.update(version=1).execute()
    assert schema.upgrade() == (1, 2)
    columns = {c.name for c in database.get_columns('run')} | {c.name for c in database.get_columns('task')}
    assert {'max_tries', 'retry_delay_s', 'failed_tries'} <= columns
    assert Run.select().count() == 0  # and the models can use it
