"""Backups of the SQLite database and their restore: what comes back is what was copied."""

import sqlite3
import stat

import pytest

from coordinator import backup, schema
from coordinator.errors import InvalidInput, Misconfigured
from coordinator.models import Run, SchemaVersion
from coordinator.store import runs, users


@pytest.fixture
def sqlite_database(database, database_url):
    if not database_url.startswith('sqlite'):
        pytest.skip('PostgreSQL is backed up with pg_dump')
    return database


def test_a_backup_is_private_checked_and_restores_what_was_there(sqlite_database, alice_principal,
                                                                tmp_path):
    kept = runs.create_run(alice_principal, 5).uuid
    token = users.create_token('alice')
    facts = backup.backup(sqlite_database, tmp_path / 'farm.backup')
    assert (facts.schema_version, facts.runs, facts.tasks) == (schema.SCHEMA_VERSION, 1, 0)
    assert stat.S_IMODE((tmp_path / 'farm.backup').stat().st_mode) == 0o600
    runs.delete_run(alice_principal, kept)
    runs.purge_deleted_runs()
    users.revoke_tokens(secret=token)
    runs.create_run(alice_principal, 2)

    restored = backup.restore(sqlite_database, tmp_path / 'farm.backup')
    assert restored.runs == 1
    assert [run.uuid for run in Run.select()] == [kept]
    assert users.principal_for_token(token) is not None


def test_a_backup_never_overwrites_a_file_and_leaves_none_when_it_fails(sqlite_database,
                                                                      tmp_path):
    (tmp_path / 'taken').write_text('precious')
    with pytest.raises(InvalidInput, match='exists'):
        backup.backup(sqlite_database, tmp_path / 'taken')
    assert (tmp_path / 'taken').read_text() == 'precious'
    with pytest.raises(InvalidInput, match='cannot write'):
        backup.backup(sqlite_database, tmp_path / 'no-such-dir' / 'farm.backup')


@pytest.mark.parametrize('content, says', [
    (b'not a database at all, but long enough to look like one' * 100, 'not a coordinator'),
    (None, 'not a coordinator'),  # a SQLite file of another program
], ids=['garbage', 'other-sqlite'])
def test_restore_refuses_what_is_not_a_coordinator_backup_and_changes_nothing(
        sqlite_database, alice_principal, tmp_path, content, says):
    runs.create_run(alice_principal, 3)
    path = tmp_path / 'suspect'
    if content is None:
        with sqlite3.connect(path) as other:
            other.execute('CREATE TABLE notes (text TEXT)')
    else:
        path.write_bytes(content)
    with pytest.raises(InvalidInput, match=says):
        backup.restore(sqlite_database, path)
    assert Run.select().count() == 1


def test_restore_refuses_a_backup_from_a_newer_coordinator(sqlite_database, tmp_path):
    backup.backup(sqlite_database, tmp_path / 'farm.backup')
    with sqlite3.connect(tmp_path / 'farm.backup') as newer:
        newer.execute('UPDATE schema_version SET version = version + 1')
    with pytest.raises(InvalidInput, match='newer than this coordinator'):
        backup.restore(sqlite_database, tmp_path / 'farm.backup')
    assert SchemaVersion.get().version == schema.SCHEMA_VERSION


def test_postgresql_is_pointed_at_its_own_tools(database, database_url, tmp_path):
    if database_url.startswith('sqlite'):
        pytest.skip('SQLite is backed up by the coordinator')
    with pytest.raises(Misconfigured, match='pg_dump'):
        backup.backup(database, tmp_path / 'farm.backup')
    assert not (tmp_path / 'farm.backup').exists()
