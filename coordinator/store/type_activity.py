"""Tasks that reached each final state, by job type and minute, kept by triggers on `task`; and
the counts of a time window read out of them (coordinator.store.job_type_status).

The job-type status views count the tasks that finished in a window (3 hours by default);
read from the finished-task index, that cost grew with the tasks in the window (10^5 in an
hour made an answer 4x slower than on an empty database). The whole minutes of a window are
now read from `job_type_activity`, one row per (type, minute, state, error category), and only
its partial first and last minutes from the index: exact, at a cost that follows the window's
length, not the work done in it.

Triggers rather than calls from the store's operations: a task enters or leaves a final state
(or is deleted) in a dozen places — reports, lost agents, cancels, retries, a run's restart,
a taskfarm PUT, prune, a run's purge, a project's cascade — and a trigger keeps the counts in
the same transaction as every one of them, raw SQL and cascades included. SQLite's are row
triggers; PostgreSQL's are statement triggers over transition tables, which add up a batch
per key and take the counters' row locks in key order (row triggers would take them in the
order the rows were updated, and two reports of types in opposite orders could deadlock).
"""

import math

import peewee

from coordinator.db import database, run_sql
from coordinator.models import FINISHED
from coordinator.states import FINAL_STATES
from coordinator.store.id_lists import grouped, marks

_FINAL = tuple(sorted(state.value for state in FINAL_STATES))

# a task is counted while it is finished, dated and typed (every task the store writes is)
_COUNTED = ("{r}status NOT IN ('queued', 'running') AND {r}status_changed_at IS NOT NULL "
            'AND {r}job_type_id IS NOT NULL')
# the minute of a change, from its whole seconds: a task counted in minute m changed at
# 60 m <= t < 60 m + 60 exactly, so a window's edges split the counted tasks exactly
_MINUTE = {'sqlite': 'CAST({r}status_changed_at AS INTEGER) / 60',
           'postgres': 'CAST(floor({r}status_changed_at) AS BIGINT) / 60'}
_KEY = ('job_type_id', 'minute', 'status', 'category')
# a key's latest change, again, once the task that was it left: one minute of the index
_LATEST = ('SELECT MAX(task.status_changed_at) FROM task '
           'WHERE task.job_type_id = job_type_activity.job_type_id '
           f'AND task.status = job_type_activity.status AND task.{FINISHED} '
           'AND task.status_changed_at >= job_type_activity.minute * 60 '
           'AND task.status_changed_at < job_type_activity.minute * 60 + 60 '
           "AND COALESCE(task.error_category, '') = job_type_activity.category")
_TRIGGERS = ('task_type_activity_insert', 'task_type_activity_update',
             'task_type_activity_delete')


def _dialect() -> str:
    return 'postgres' if isinstance(database.obj, peewee.PostgresqlDatabase) else 'sqlite'


def _counted(rows: str = '') -> str:
    return _COUNTED.format(r=rows)


def _minute(dialect: str, rows: str = '') -> str:
    return _MINUTE[dialect].format(r=rows)


def install() -> None:
    """Create the triggers (a new database, or schema 19's step); again changes nothing."""
    for statement in (_sqlite_triggers() if _dialect() == 'sqlite' else _postgres_triggers()):
        database.execute_sql(statement)


def remove() -> None:
    """Drop the triggers (and PostgreSQL's functions): what a schema before 19 had."""
    for name in _TRIGGERS:
        database.execute_sql(f'DROP TRIGGER IF EXISTS {name}'
                             + (' ON task' if _dialect() == 'postgres' else ''))
        if _dialect() == 'postgres':
            database.execute_sql(f'DROP FUNCTION IF EXISTS {name}()')


def back_fill() -> int:
    """Count the finished tasks already in the table (schema 19's step, into an empty table)."""
    dialect = _dialect()
    return run_sql(f'INSERT INTO job_type_activity ({", ".join(_KEY)}, tasks, latest) '
                   f"SELECT job_type_id, {_minute(dialect)}, status, COALESCE(error_category, ''), "
                   f'COUNT(*), MAX(status_changed_at) FROM task WHERE {_counted()} '
                   'GROUP BY 1, 2, 3, 4').rowcount


def finished_between(ids: list[int], start: float, end: float) -> list[tuple]:
    """(type id, state, category, count, latest) of the tasks of types `ids` that reached a
    final state between `start` and `end` (both included), by type, state and category."""
    after_end = math.nextafter(end, math.inf)
    if not (math.isfinite(start) and math.isfinite(end)):
        return _scanned(ids, start, after_end)
    first = -(-math.ceil(start) // 60)  # the first whole minute in the window
    last = math.floor(end) // 60  # the minute `end` falls in, which the index counts
    if first >= last:
        return _scanned(ids, start, after_end)
    counted = [(type_id, state, category or None, int(count), latest)
               for type_id, state, category, count, latest in grouped(
                   ids, 'SELECT job_type_id, status, category, SUM(tasks), MAX(latest) '
                        'FROM job_type_activity WHERE job_type_id IN ({ids}) '
                        'AND minute >= ? AND minute < ? GROUP BY job_type_id, status, category',
                   (first, last))]
    return [*counted, *_scanned(ids, start, first * 60.0), *_scanned(ids, last * 60.0, after_end)]


def _scanned(ids: list[int], start: float, before: float) -> list[tuple]:
    """The same out of the finished-task index, for `start` <= changed < `before`."""
    if not before > start:
        return []
    return grouped(ids, 'SELECT job_type_id, status, error_category, COUNT(*), '
                        'MAX(status_changed_at) FROM task WHERE job_type_id IN ({ids}) '
                        f'AND status IN ({marks(_FINAL)}) AND {FINISHED} '
                        'AND status_changed_at >= ? AND status_changed_at < ? '
                        'GROUP BY job_type_id, status, error_category', (*_FINAL, start, before))


def _sqlite_triggers() -> list[str]:
    """Row triggers: each task that leaves a key takes one from it, each that enters adds one."""
    old_key = (f"job_type_id = old.job_type_id AND minute = {_minute('sqlite', 'old.')} "
               "AND status = old.status AND category = COALESCE(old.error_category, '')")
    leave = ('UPDATE job_type_activity SET tasks = tasks - 1, latest = CASE WHEN '
             f'latest <= old.status_changed_at THEN COALESCE(({_LATEST}), latest) ELSE latest END '
             f'WHERE {old_key}; DELETE FROM job_type_activity WHERE {old_key} AND tasks <= 0;')
    enter = (f'INSERT INTO job_type_activity ({", ".join(_KEY)}, tasks, latest) '
             f"SELECT new.job_type_id, {_minute('sqlite', 'new.')}, new.status, "
             "COALESCE(new.error_category, ''), 1, new.status_changed_at "
             f"WHERE {_counted('new.')} ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
             'tasks = tasks + 1, latest = MAX(latest, excluded.latest);')
    changed = ('(old.status IS NOT new.status '
               'OR old.status_changed_at IS NOT new.status_changed_at '
               'OR old.error_category IS NOT new.error_category '
               'OR old.job_type_id IS NOT new.job_type_id)')
    insert, update, delete = _TRIGGERS
    return [f'CREATE TRIGGER IF NOT EXISTS {insert} AFTER INSERT ON task '
            f"WHEN {_counted('new.')} BEGIN {enter} END",
            f'CREATE TRIGGER IF NOT EXISTS {update} AFTER UPDATE OF status, status_changed_at, '
            f"error_category, job_type_id ON task WHEN ({_counted('old.')} OR "
            f"{_counted('new.')}) AND {changed} BEGIN {leave} {enter} END",
            f'CREATE TRIGGER IF NOT EXISTS {delete} AFTER DELETE ON task '
            f"WHEN {_counted('old.')} BEGIN {leave} END"]


def _postgres_triggers() -> list[str]:
    """Statement triggers: a statement's tasks added up per key, the keys taken in order."""
    def keys(source: str) -> str:
        return (f"SELECT job_type_id, {_minute('postgres')} AS minute, status, "
                "COALESCE(error_category, '') AS category, COUNT(*) AS tasks, "
                f'MAX(status_changed_at) AS latest FROM ({source}) AS s WHERE {_counted()} '
                'GROUP BY 1, 2, 3, 4')

    def same_key(alias: str) -> str:
        return ' AND '.join(f'job_type_activity.{column} = {alias}.{column}' for column in _KEY)

    def leave(source: str) -> str:
        return ('UPDATE job_type_activity SET tasks = job_type_activity.tasks - g.tasks, '
                'latest = CASE WHEN job_type_activity.latest <= g.latest '
                f'THEN COALESCE(({_LATEST}), job_type_activity.latest) '
                f'ELSE job_type_activity.latest END FROM ({keys(source)}) AS g '
                f'WHERE {same_key("g")}; DELETE FROM job_type_activity USING '
                f'({keys(source)}) AS g WHERE {same_key("g")} AND job_type_activity.tasks <= 0;')

    def enter(source: str) -> str:
        return (f'INSERT INTO job_type_activity AS a ({", ".join(_KEY)}, tasks, latest) '
                f'{keys(source)} ORDER BY 1, 2, 3, 4 ON CONFLICT ({", ".join(_KEY)}) DO UPDATE '
                'SET tasks = a.tasks + excluded.tasks, '
                'latest = GREATEST(a.latest, excluded.latest);')

    # most updates (claims, progress) move no task into or out of a final state: one look at
    # each side. The others take every counted old row out and put every counted new one
    # in, unchanged ones too (they cancel out): matching them up, a join of the two
    # tables, cost more than the few finished rows an update rewrites without moving
    counts_none = (f'IF NOT EXISTS (SELECT 1 FROM old_rows WHERE {_counted()}) AND NOT EXISTS '
                   f'(SELECT 1 FROM new_rows WHERE {_counted()}) THEN RETURN NULL; END IF;')
    bodies = {'INSERT': ('NEW TABLE AS new_rows', enter('SELECT * FROM new_rows')),
              'UPDATE': ('OLD TABLE AS old_rows NEW TABLE AS new_rows',
                         f"{counts_none} {leave('SELECT * FROM old_rows')} "
                         f"{enter('SELECT * FROM new_rows')}"),
              'DELETE': ('OLD TABLE AS old_rows', leave('SELECT * FROM old_rows'))}
    statements = []
    for name, (event, (tables, body)) in zip(_TRIGGERS, bodies.items()):
        statements += [f'CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql '
                       f'AS $$ BEGIN {body} RETURN NULL; END $$',
                       f'DROP TRIGGER IF EXISTS {name} ON task',
                       f'CREATE TRIGGER {name} AFTER {event} ON task REFERENCING {tables} '
                       f'FOR EACH STATEMENT EXECUTE FUNCTION {name}()']
    return statements
