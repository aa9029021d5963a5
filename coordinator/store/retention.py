"""Retention: finished runs, finished queued work and departed workers older than a cut-off go.

Everything is deleted in chunks, each its own short transaction, so a coordinator serving
at the same time waits for one chunk at most, never for the whole prune. What goes can
first be handed to `keep(table, rows)` (an archive): queued tasks and workers in the
transaction that deletes them, so that when keeping fails (a full disk under the archive)
nothing of that chunk is deleted; a run, all of it, before it is hidden in a transaction
that checks again that it is over (a restart may have just requeued it), and then purged
like a deleted run.
"""

import dataclasses
from collections.abc import Callable

from coordinator.db import database, run_sql
from coordinator.states import WORKER_GONE, TaskState
from coordinator.store.runs import purge_run

CHUNK = 1000
# how many task ids one pass over the task table looks at in one transaction
ID_WINDOW = 20_000

Keep = Callable[[str, list[dict]], None]

_ENDED = tuple(state.value for state in TaskState if state not in (TaskState.QUEUED,
                                                                     TaskState.RUNNING))
_IN_ENDED = f"status IN ({', '.join('?' * len(_ENDED))})"
_GONE = tuple(state.value for state in WORKER_GONE)
# a run is over when nothing of it runs and every task ended, or a person cancelled it; it
# ended when its last task did (or when cancelled, or created: a run of no task)
_RUN_OVER = ('NOT deleting AND NOT loading AND running_count = 0 AND '
             '(done_count + failed_count + cancelled_count >= num_tasks '
             'OR cancelled_at IS NOT NULL) AND '
             'COALESCE(last_ended_at, cancelled_at, created_at) < ? AND '
             'COALESCE(cancelled_at, created_at) < ?')


@dataclasses.dataclass
class Pruned:
    """What a prune deleted (or, dry, would delete)."""

    runs: int = 0
    run_tasks: int = 0
    queued_tasks: int = 0
    workers: int = 0


def prune(cutoff: float, *, dry_run: bool = False, keep: Keep | None = None,
          chunk: int = CHUNK) -> Pruned:
    """Delete what ended before `cutoff` (epoch seconds); with `dry_run`, only count it."""
    pruned = Pruned()
    for (run_id,) in run_sql(f'SELECT id FROM run WHERE {_RUN_OVER} ORDER BY id',
                             (cutoff, cutoff)).fetchall():
        tasks = _count('SELECT COUNT(*) FROM task WHERE run_id = ?', (run_id,))
        if not dry_run:
            if keep is not None:
                _keep_run(run_id, keep, chunk)
            if not _hide_run(run_id, cutoff):
                continue  # restarted meanwhile: it stays
            purge_run(run_id, chunk)
        pruned.runs += 1
        pruned.run_tasks += tasks
    pruned.queued_tasks = _prune_queued(cutoff, dry_run, keep)
    pruned.workers = _prune_workers(cutoff, dry_run, keep, chunk)
    return pruned


def zips_in_use() -> set[str]:
    """The SHA-256s of the code zips some revision names."""
    return {blob for (blob,) in run_sql(
        'SELECT DISTINCT blob FROM job_type_revision WHERE blob IS NOT NULL').fetchall()}


def _count(sql: str, params: tuple) -> int:
    return run_sql(sql, params).fetchone()[0]


def _hide_run(run_id: int, cutoff: float) -> bool:
    with database.write():
        return run_sql(f'UPDATE run SET deleting = TRUE WHERE id = ? AND {_RUN_OVER}',
                       (run_id, cutoff, cutoff)).rowcount == 1


def _keep_run(run_id: int, keep: Keep, chunk: int) -> None:
    """Hand a finished run's rows to `keep` before it is hidden.

    Before, not while it is purged: a hidden run is purged by any coordinator's
    maintenance too, should this prune die half-way, and that purge keeps nothing.
    """
    keep('run', _rows('SELECT * FROM run WHERE id = ?', (run_id,)))
    for table in ('task', 'run_input'):
        after = -1  # in task number order: both tables have a (run, number) index
        while rows := _rows(f'SELECT * FROM {table} WHERE run_id = ? AND number > ? '
                            'ORDER BY number LIMIT ?', (run_id, after, chunk)):
            keep(table, rows)
            after = rows[-1]['number']


def _prune_queued(cutoff: float, dry_run: bool, keep: Keep | None) -> int:
    """Queued work (tasks of no run) that ended before `cutoff`, by windows of task ids.

    One pass over the ids rather than a range of the finished-task index: that index
    holds runs' tasks too, which a prune keeps, and would be read again for each chunk.
    """
    highest = _count('SELECT COALESCE(MAX(id), 0) FROM task', ())
    where = (f'id > ? AND id <= ? AND run_id IS NULL AND {_IN_ENDED} '
             'AND status_changed_at < ?')
    pruned = 0
    for start in range(0, highest, ID_WINDOW):
        params = (start, start + ID_WINDOW, *_ENDED, cutoff)
        if dry_run:
            pruned += _count(f'SELECT COUNT(*) FROM task WHERE {where}', params)
            continue
        with database.write():
            if keep is not None:
                rows = _rows(f'SELECT * FROM task WHERE {where} ORDER BY id', params)
                if rows:
                    keep('task', rows)
            pruned += run_sql(f'DELETE FROM task WHERE {where}', params).rowcount
    return pruned


def _prune_workers(cutoff: float, dry_run: bool, keep: Keep | None, chunk: int) -> int:
    """Workers that left (lost or stopped) and were last heard of before `cutoff`."""
    where = (f"state IN ({', '.join('?' * len(_GONE))}) "
             'AND COALESCE(last_heartbeat_at, created_at) < ?')
    params = (*_GONE, cutoff)
    if dry_run:
        return _count(f'SELECT COUNT(*) FROM worker WHERE {where}', params)
    pruned = 0
    while True:
        with database.write():
            rows = _rows(f'SELECT * FROM worker WHERE {where} ORDER BY id LIMIT ?',
                         (*params, chunk))
            if not rows:
                return pruned
            if keep is not None:
                keep('worker', rows)
            ids = [row['id'] for row in rows]
            pruned += run_sql(f"DELETE FROM worker WHERE id IN ({', '.join('?' * len(ids))})",
                              tuple(ids)).rowcount


def _rows(sql: str, params: tuple) -> list[dict]:
    cursor = run_sql(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
