"""The database: opened from a URL (SQLite by default, PostgreSQL to scale out), with write transactions.

`database` is a proxy bound once per process by `bind()`; it is the only module global.
A failed write says why in words (a full disk, a read-only file), and a thread whose
connection failed throws it away (`forget_connection`), so the next use opens a fresh
one: a connection opened while the disk was read-only, or one PostgreSQL closed when it
restarted, would otherwise fail for as long as the process lives.
"""

import contextlib
import errno
import fcntl
import functools
import itertools
import os
import re
import threading
import weakref
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import peewee

from coordinator.errors import Misconfigured

database = peewee.DatabaseProxy()

SQLITE_PRAGMAS = {
    'journal_mode': 'wal',
    'synchronous': 1,  # NORMAL: durable across process crashes, fast in WAL mode
    'busy_timeout': 10_000,
    'foreign_keys': 1,
    'cache_size': -16_000,  # 16 MB
}


# what SQLite's messages mean for whoever runs the coordinator
_EXPLANATIONS = (
    ('database or disk is full', 'the disk holding the database is full'),
    ('readonly database', 'the database is read-only (a read-only filesystem or file permissions)'),
    ('disk I/O error', 'the disk holding the database failed to read or write (I/O error)'),
    ('unable to open database file', 'the database file cannot be opened'),
    ('write lock file', 'the write lock file beside the database cannot be opened'),
)


def explain(exc: Exception) -> str:
    """What a database error means, in words, followed by the driver's own message."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for fragment, meaning in _EXPLANATIONS:
        if fragment in message:
            return f'{meaning}: {message}'
    return message


class _Writes:
    """Write transactions that name the real cause when they fail.

    When SQLite hits a full disk or an I/O error it rolls the transaction back
    itself, so peewee's own rollback then fails with "cannot rollback - no
    transaction is active", hiding the cause; the cause is re-raised instead.
    """

    @contextlib.contextmanager
    def write(self):
        try:
            with self._write_transaction() as txn:
                yield txn
        except peewee.OperationalError as exc:
            cause = _masked_cause(exc)
            if cause is not None:
                raise cause from None
            raise

    def write_one(self, sql: str, params: tuple) -> list[tuple]:
        """One write statement (placeholders `?`) as a transaction of its own, or in the
        caller's; its RETURNING rows, read before it commits."""
        with self.write():  # SQLite's driver keeps the statement prepared already
            return self.execute_sql(_dialect(sql, self.param, self.for_update),
                                    params).fetchall()


def _masked_cause(exc: BaseException) -> BaseException | None:
    """The error a failed "cannot rollback" hides (further up its chain of contexts), if any."""
    if 'no transaction is active' not in str(exc):
        return None
    cause = exc.__context__
    while cause is not None:
        if isinstance(cause, peewee.PeeweeException) and 'no transaction is active' not in str(cause):
            return cause
        cause = cause.__context__
    return None


class FarmSqliteDatabase(_Writes, peewee.SqliteDatabase):
    """SQLite with writers queued in the kernel rather than in SQLite's busy handler.

    The busy handler sleeps with backoff (1, 2, 5, 10 ms, ...) instead of waking a
    writer when the lock frees, which put claims' p99 near 40 ms with several
    gunicorn workers. A thread lock plus an flock on a side file, taken before
    BEGIN IMMEDIATE, hands the write lock over at once (docs/performance.md).
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._thread_lock = threading.RLock()
        self._lock_path = None if database == ':memory:' else f'{database}-writelock'
        self._lock_fd = None
        self._depth = 0

    @contextlib.contextmanager
    def _write_transaction(self):
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
            try:
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:  # a database error like any other: 503, and tried again
                raise peewee.OperationalError(
                    f'cannot open the write lock file {self._lock_path}: {exc.strerror}') from exc
            # closed with the database object: a process that opens databases one after
            # another (a test suite, a tool) would otherwise keep every lock file open
            weakref.finalize(self, os.close, self._lock_fd)
        fcntl.flock(self._lock_fd, operation)


class FarmPostgresDatabase(_Writes, peewee.PostgresqlDatabase):
    """PostgreSQL; row locks (FOR UPDATE) order concurrent writers."""

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self._prepared = threading.local()  # each thread has its own connection
        self._hot: dict[str, tuple[str, str]] = {}  # write_one's: (name, SQL with $n) each
        self._hot_lock = threading.Lock()

    def _write_transaction(self):
        return self.atomic()

    def write_one(self, sql: str, params: tuple) -> list[tuple]:
        # the connection is in autocommit mode (peewee's), so a statement outside a transaction
        # is one: without BEGIN and COMMIT, two round trips fewer. Prepared once per
        # connection: planning a heartbeat's UPDATE cost PostgreSQL ~0.3 ms, twice running it.
        # Its plan is generic, made without the parameters' values, so what the plan depends
        # on (a state) is written into `sql`; a parameter whose type its place does not tell
        # (`? IS NULL`) needs a CAST there.
        with self._hot_lock:
            if sql not in self._hot:  # named and numbered once, not per request
                self._hot[sql] = (f'farm_hot_{len(self._hot) + 1}', _numbered(sql))
            name, numbered = self._hot[sql]
        return self.execute_prepared(name, numbered, params).fetchall()

    def execute_prepared(self, name: str, sql: str, params: tuple):
        """Execute `sql` (placeholders $1, $2, ...) as the prepared statement `name`, prepared
        on this thread's connection at first use, and always with its generic plan.

        For a statement whose planning costs more than running it: a claim's merge of ~100
        job types' queues took ~4 ms to plan and ~1 ms to run. Prepared statements outlive
        transactions, rolled back or not, for as long as the connection lives.
        """
        connection = self.connection()
        state = self._prepared
        if getattr(state, 'connection', None) is not connection:  # a new one: nothing prepared
            state.connection, state.names = connection, set()
        if name not in state.names:
            self.execute_sql(f'PREPARE {name} AS {sql}')
            state.names.add(name)
        # a custom plan per call would plan it anew each time; LOCAL: only this transaction
        return self.execute_sql('SET LOCAL plan_cache_mode = force_generic_plan; '
                                f'EXECUTE {name} ({", ".join(["%s"] * len(params))})', params)


def forget_connection(db: peewee.Database = database) -> None:
    """Drop this thread's connection after an error, even mid-transaction; the next use reconnects."""
    try:
        db.close()
    except peewee.PeeweeException:  # a transaction left open, or the connection already broken
        if not db.is_closed():
            with contextlib.suppress(Exception):
                db.connection().close()
        db.dispose()


# The coordinator's reads are index ranges of thousands of rows at most: starting parallel
# workers for one costs more than they save (ndscheduler's executions of the last hour with
# 10^6 task rows: 9.8 ms with two, 5.7 ms without). A URL's own `?options=` replaces this.
POSTGRES_OPTIONS = '-c max_parallel_workers_per_gather=0'

# RETURNING, which claims use, came in 3.35; RHEL 9's system SQLite is 3.34
MIN_SQLITE_VERSION = (3, 35, 0)


def open_database(url: str) -> peewee.Database:
    """Open (lazily) the database a `sqlite:///PATH` or `postgresql://…` URL names.

    Misconfigured, with a message that says what to do, when it cannot work.
    """
    parts = urlsplit(url)
    if parts.scheme == 'sqlite':
        path = url[len('sqlite:///') :] if url.startswith('sqlite:///') else ''
        if not path:
            raise Misconfigured(f'not a sqlite URL: {url!r} (use sqlite:///relative or sqlite:////abs)')
        check_sqlite_version(peewee.sqlite3.sqlite_version_info)
        if path != ':memory:':
            _make_data_dir(Path(path).parent)
        return FarmSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10, returning_clause=True)
    if parts.scheme in ('postgres', 'postgresql'):
        return FarmPostgresDatabase(
            unquote(parts.path.lstrip('/')),
            user=unquote(parts.username or '') or None,
            password=unquote(parts.password or '') or None,
            host=parts.hostname,
            port=parts.port,
            **{'options': POSTGRES_OPTIONS, **dict(parse_qsl(parts.query))},
        )
    raise Misconfigured(f'unsupported database URL {describe(url)!r}: use sqlite:///PATH or '
                        'postgresql://USER:PASSWORD@HOST:PORT/DB')


def check_sqlite_version(version: tuple[int, ...]) -> None:
    """Misconfigured when the SQLite library is older than the coordinator needs."""
    if tuple(version) < MIN_SQLITE_VERSION:
        found, needed = ('.'.join(map(str, v)) for v in (version, MIN_SQLITE_VERSION))
        raise Misconfigured(f'SQLite {found} is too old (the coordinator needs {needed} or newer): '
                            'pip install pysqlite3-binary into its environment, use a newer '
                            'Python, or use PostgreSQL (FARM_DATABASE_URL)')


def _make_data_dir(path: Path) -> None:
    """The database's directory, made private (0700) when it is made here: the database holds
    password hashes, and co-users of a login node should not read it."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, 'not writable')
    except OSError as exc:
        raise Misconfigured(f'cannot use {path} for the database ({exc.strerror or exc}): point '
                            '--data-dir or FARM_DATA_DIR at a writable directory on a local '
                            'disk') from None


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


def run_write(sql: str, params: tuple = ()) -> list[tuple]:
    """`run_sql` for one write statement with RETURNING that every request of a kind runs: a
    transaction of its own unless the caller has one, and on PostgreSQL one round trip of a
    statement prepared once per connection. Its rows."""
    return database.write_one(sql, params)


def run_sql(sql: str, params: tuple = ()):
    """Execute hand-written SQL on the bound database and return the cursor.

    Write it for PostgreSQL with `?` placeholders; for SQLite a trailing
    ` FOR UPDATE` is dropped (BEGIN IMMEDIATE already locks the whole file).
    Hot paths use this because peewee spends ~100 us building each query here,
    against ~4 us for SQLite to run it.
    """
    return database.execute_sql(_dialect(sql, database.param, database.for_update), params)


def pinned_index(index: str) -> str:
    """` INDEXED BY index` for a table in a FROM clause on SQLite; nothing on PostgreSQL.

    For a read whose plan SQLite's statistics (ANALYZE) can get badly wrong: they count
    the NULLs of a column as one value, so "no run" or "no worker" looks like one run's
    or one worker's rows when it is most of the table. PostgreSQL keeps NULLs apart.
    """
    return '' if database.for_update else f' INDEXED BY {index}'


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1, $2, ... (no `?` may be part of the SQL itself)."""
    numbers = itertools.count(1)
    return re.sub(r'\?', lambda _: f'${next(numbers)}', sql)


def _dialect(sql: str, param: str, row_locks: bool) -> str:
    if not row_locks:
        sql = sql.removesuffix(' FOR UPDATE')
    return sql if param == '?' else sql.replace('?', param)
