"""The database: opened from a URL (SQLite by default, PostgreSQL to scale out), with write transactions.

`database` is a proxy bound once per process by `bind()`; it is the only module global.
"""

import contextlib
import fcntl
import functools
import os
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
    """SQLite with writers queued in the kernel rather than in SQLite's busy handler.

    The busy handler sleeps with backoff (1, 2, 5, 10 ms, ...) instead of waking a
    writer when the lock frees, which put claims' p99 near 40 ms with several
    gunicorn workers. A thread lock plus an flock on a side file, taken before
    BEGIN IMMEDIATE, hands the write lock over at once (calibration.md).
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._thread_lock = threading.RLock()
        self._lock_path = None if database == ':memory:' else f'{database}-writelock'
        self._lock_fd = None
        self._depth = 0

    @contextlib.contextmanager
    def write(self):
        with self._thread_lock:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._lock_file(fcntl.LOCK_EX)
                try:
                    with self.atomic('IMMEDIATE') as txn:
                        yield txn
                finally:
                    if self._depth == 1:
                        self._lock_file(fcntl.LOCK_UN)
            finally:
                self._depth -= 1

    def _lock_file(self, operation: int) -> None:
        if self._lock_path is None:
            return
        if self._lock_fd is None:  # opened lazily: after a fork, in the process that writes
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, operation)


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


def run_sql(sql: str, params: tuple = ()):
    """Execute hand-written SQL on the bound database and return the cursor.

    Write it for PostgreSQL with `?` placeholders; for SQLite a trailing
    ` FOR UPDATE` is dropped (BEGIN IMMEDIATE already locks the whole file).
    Hot paths use this because peewee spends ~100 us building each query here,
    against ~4 us for SQLite to run it.
    """
    return database.execute_sql(_dialect(sql, database.param, database.for_update), params)


@functools.lru_cache(maxsize=256)
def _dialect(sql: str, param: str, row_locks: bool) -> str:
    if not row_locks:
        sql = sql.removesuffix(' FOR UPDATE')
    return sql if param == '?' else sql.replace('?', param)
