"""Background duties: declaring silent workers lost and putting their tasks back in the queue.

Safe with any number of coordinator processes at once: every change is a
conditional UPDATE, so a worker is declared lost once and a task requeued once.
"""

import logging
import threading
import time

from coordinator.db import database, run_sql
from coordinator.states import TaskState, WorkerState
from coordinator.store import workers

log = logging.getLogger(__name__)


def reap(worker_ttl_s: float, now: float | None = None) -> list[str]:
    """One pass: declare lost the workers silent for `worker_ttl_s`, requeue tasks of gone workers.

    Returns the uuids of the workers declared lost in this pass.
    """
    now = time.time() if now is None else now
    lost = [uuid for worker_id, uuid, seen in _silent_workers(now - worker_ttl_s)
            if _declare_lost(worker_id, f'no heartbeat for {now - seen:.0f} s '
                                        f'(worker_ttl_s={worker_ttl_s:g})', now - worker_ttl_s)]
    # tasks of lost or stopped workers, including any a claim handed out while they left
    for worker_id, state in run_sql(
            'SELECT DISTINCT w.id, w.state FROM task t JOIN worker w ON w.id = t.worker_id '
            'WHERE t.status = ? AND w.state IN (?, ?)',
            (TaskState.RUNNING.value, WorkerState.LOST.value, WorkerState.STOPPED.value)).fetchall():
        failed = state == WorkerState.LOST.value
        moved = workers.requeue_tasks_of(worker_id, now, failed=failed,
                                         reason='worker lost' if failed else 'worker stopped')
        log.info('requeued %d task(s) of %s worker %d', moved, state, worker_id)
    return lost


def _silent_workers(deadline: float) -> list[tuple[int, str, float]]:
    return run_sql('SELECT id, uuid, last_heartbeat_at FROM worker WHERE last_heartbeat_at < ? '
                   'AND state NOT IN (?, ?)',
                   (deadline, WorkerState.LOST.value, WorkerState.STOPPED.value)).fetchall()


def _declare_lost(worker_id: int, reason: str, deadline: float) -> bool:
    with database.write():  # conditional: it may have heartbeated, or another process got it first
        changed = run_sql('UPDATE worker SET state = ?, reason = ? WHERE id = ? '
                          'AND last_heartbeat_at < ? AND state NOT IN (?, ?)',
                          (WorkerState.LOST.value, reason, worker_id, deadline,
                           WorkerState.LOST.value, WorkerState.STOPPED.value)).rowcount
    if changed:
        log.warning('worker %d declared lost: %s', worker_id, reason)
    return changed == 1


class Reaper(threading.Thread):
    """Runs `reap` every `interval_s` in a coordinator process until stopped."""

    def __init__(self, worker_ttl_s: float, interval_s: float):
        super().__init__(name='farm-reaper', daemon=True)
        self._worker_ttl_s = worker_ttl_s
        self._interval_s = interval_s
        self._stopped = threading.Event()

    def run(self):
        # after a (re)start, agents get one ttl to check in before anyone is judged silent:
        # their silence while this coordinator was down is not theirs
        if self._stopped.wait(self._worker_ttl_s):
            return
        while not self._stopped.wait(self._interval_s):
            try:
                reap(self._worker_ttl_s)
            except Exception:  # a database blip must not end the duty for good
                log.exception('reaper pass failed; trying again in %g s', self._interval_s)

    def stop(self):
        self._stopped.set()
