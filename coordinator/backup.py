"""Backups of a SQLite database taken while the coordinator runs, and their restore.

SQLite's online backup API copies the database page by page, a few thousand pages per
step, letting the coordinator's writers in between steps; a step that finds the
database changed under it starts again, so the copy is always one consistent moment.
The copy is made private (0600) before a byte is written: it holds password and token
digests. PostgreSQL keeps its own tools for this (`POSTGRES_HINT`).
"""

import dataclasses
import os
import sqlite3
from pathlib import Path

import peewee

from coordinator.errors import InvalidInput, Misconfigured
from coordinator.schema import SCHEMA_VERSION

PAGES_PER_STEP = 4096  # 16 MiB of 4 KiB pages: writers wait at most one step's time
POSTGRES_HINT = ('a PostgreSQL database is backed up with its own tools: '
                 'pg_dump --format=custom --file=FILE DBNAME, and restored with '
                 'pg_restore --clean --dbname=DBNAME FILE (see the README)')


@dataclasses.dataclass(frozen=True)
class Facts:
    """What a backup holds: its schema version and how much work is in it."""

    path: Path
    schema_version: int
    runs: int
    tasks: int
    size_bytes: int


def backup(database: peewee.Database, target: str | Path) -> Facts:
    """Copy the live database to `target`, a new file; its facts once checked."""
    _require_sqlite(database)
    target = Path(target)
    try:
        os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        raise InvalidInput(f'{target} exists: back up to a new file') from None
    except OSError as exc:
        raise InvalidInput(f'cannot write {target}: {exc.strerror}') from None
    copy = sqlite3.connect(target)
    try:
        database.connection().backup(copy, pages=PAGES_PER_STEP)
        return _checked(copy, target)
    except BaseException:
        target.unlink(missing_ok=True)  # no half-made or unchecked file named like a backup
        raise
    finally:
        copy.close()


def restore(database: peewee.Database, source: str | Path) -> Facts:
    """Replace the database's content with the backup at `source`, once it is checked."""
    _require_sqlite(database)
    source = Path(source)
    if not source.is_file():
        raise InvalidInput(f'{source} is not a file')
    backup_db = sqlite3.connect(f'file:{source}?mode=ro', uri=True)
    try:
        facts = _checked(backup_db, source)
        if facts.schema_version > SCHEMA_VERSION:
            raise InvalidInput(f'{source} is at schema version {facts.schema_version}, newer '
                               f'than this coordinator ({SCHEMA_VERSION}): restore it with the '
                               'coordinator that made it')
        backup_db.backup(database.connection(), pages=PAGES_PER_STEP)
        return facts
    finally:
        backup_db.close()


def _require_sqlite(database: peewee.Database) -> None:
    if not isinstance(database, peewee.SqliteDatabase):
        raise Misconfigured(POSTGRES_HINT)


def _checked(connection: sqlite3.Connection, path: Path) -> Facts:
    """The facts of a coordinator database, or InvalidInput saying why it is not one."""
    try:
        (integrity,) = connection.execute('PRAGMA integrity_check').fetchone()
        if integrity != 'ok':
            raise InvalidInput(f'{path} is damaged: {integrity}')
        (version,) = connection.execute('SELECT version FROM schema_version').fetchone()
        (runs,) = connection.execute('SELECT COUNT(*) FROM run').fetchone()
        (tasks,) = connection.execute('SELECT COUNT(*) FROM task').fetchone()
    except (sqlite3.DatabaseError, TypeError):  # not SQLite, or no coordinator tables in it
        raise InvalidInput(f'{path} is not a coordinator database') from None
    return Facts(path, version, runs, tasks, path.stat().st_size)
