"""The database: opened from a URL (SQLite by default, PostgreSQL to scale out), with write transactions.

`database` is a proxy bound once per process by `bind()`; it is the only module global.
"""

import contextlib
import threading
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import peewee

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    'journal_mode': 'wal',
    'synchronous': 1,  # NORMAL: durable across process crashes, fast in WAL mode
    'busy_timeout': 10_000,
    'foreign_keys': 1,
    'cache_size': -16_000,  # 16 MB
}


class FarmSqliteDatabase(peewee.SqliteDatabase):
    """SQLite with writers serialised inside the process.

    SQLite's busy handler sleeps with backoff instead of queueing writers, so a
    thread lock in front of BEGIN IMMEDIATE cuts tail latency (calibration.md).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._write_lock = threading.RLock()

    @contextlib.contextmanager
    def write(self):
        with self._write_lock, self.atomic('IMMEDIATE') as txn:
            yield txn


class FarmPostgresDatabase(peewee.PostgresqlDatabase):
    """PostgreSQL; row locks (FOR UPDATE) order concurrent writers."""

    def write(self):
        return self.atomic()


def open_database(url: str) -> peewee.Database:
    """Open (lazily) the database a `sqlite:///PATH` or `postgresql://…` URL names."""
    parts = urlsplit(url)
    if parts.scheme == 'sqlite':
        path = url[len('sqlite:///') :] if url.startswith('sqlite:///') else ''
        if not path:
            raise ValueError(f'not a sqlite URL: {url!r} (use sqlite:///relative or sqlite:////abs)')
        if path != ':memory:':
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return FarmSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, returning_clause=True)
    if parts.scheme in ('postgres', 'postgresql'):
        return FarmPostgresDatabase(
            unquote(parts.path.lstrip('/')),
            user=unquote(parts.username or '') or None,
            password=unquote(parts.password or '') or None,
            host=parts.hostname,
            port=parts.port,
            **dict(parse_qsl(parts.query)),
        )
    raise ValueError(f'unsupported database URL {url!r}: use sqlite:///… or postgresql://…')


def bind(db: peewee.Database) -> peewee.Database:
    """Point the models at `db` for this process."""
    database.initialize(db)
    return db


def describe(url: str) -> str:
    """The URL with any password masked, for printing."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f':{parts.password}@', ':***@', 1)
    return url


def locked(query):
    """`query` with FOR UPDATE where the database has row locks (SQLite locks the whole file)."""
    return query.for_update() if database.for_update else query
