"""Schema: creation is idempotent and versioned; a newer database is refused, not damaged."""

import pytest

from coordinator import schema
from coordinator.models import Project, SchemaVersion


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
