"""Background duties: declaring silent workers lost, requeueing their tasks, purging deleted runs,
firing due cron jobs, starting agents on Slurm for waiting work (coordinator.allocator).

Safe with any number of coordinator processes at once: every change is a
conditional UPDATE, so a worker is declared lost once and a task requeued once.
Each duty survives database outages: a failed pass drops its connection, and the
next pass reconnects.
"""

import functools
import logging
import math
import threading
import time

import peewee

from coordinator import db
from coordinator.db import database, run_sql
from coordinator.metrics import instruments
from coordinator.outage_notes import OutageNotes
from coordinator.states import TaskState, WorkerState
from coordinator.store import firing, pulse, runs, workers

log = logging.getLogger(__name__)

PURGE_INTERVAL_S = 5.0
FIRE_INTERVAL_S = 1.0  # cron fires at whole minutes: a second late at most


def reap(worker_ttl_s: float, now: float | None = None, *, stall_s: float = math.inf) -> list[str]:
    """One pass: declare lost the workers silent for `worker_ttl_s`, requeue tasks of gone workers.

    Silence counts only while the coordinator could hear: after a gap of more than
    `stall_s` between passes (every process stalled), agents get a whole ttl again.
    Returns the uuids of the workers declared lost in this pass.
    """
    with database.write():
        # read under the lock: a pass that waited for it behind a long write sees the stall
        now = time.time() if now is None else now
        hearing_since = pulse.note_pass(now, stall_s)
    deadline = now - worker_ttl_s
    lost = [] if hearing_since > deadline else [
        uuid for worker_id, uuid, seen in _silent_workers(deadline)
        if _declare_lost(worker_id, f'no heartbeat for {now - seen:.0f} s '
                                    f'(worker_ttl_s={worker_ttl_s:g})', deadline)]
    instruments.workers_lost(len(lost))
    # tasks of lost or stopped workers, including any a claim handed out while they left
    for worker_id, state in run_sql(
            'SELECT DISTINCT w.id, w.state FROM task t JOIN worker w ON w.id = t.worker_id '
            'WHERE t.status = ? AND w.state IN (?, ?)',
            (TaskState.RUNNING.value, WorkerState.LOST.value,
             WorkerState.STOPPED.value)).fetchall():
        failed = state == WorkerState.LOST.value
        moved = workers.requeue_tasks_of(worker_id, now, failed=failed,
                                         reason='worker lost' if failed else 'worker stopped')
        if failed:  # a stopped worker's tasks were handed back, not taken back
            instruments.leases_expired(moved)
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


class Duty(threading.Thread):
    """Runs `action()` every `interval_s` in a coordinator process until stopped."""

    def __init__(self, name: str, action, interval_s: float,
                 outage_notes: OutageNotes | None = None):
        super().__init__(name=name, daemon=True)
        self._notes = outage_notes or OutageNotes()
        self._action = action
        self._interval_s = interval_s
        self._stopped = threading.Event()

    def run(self):
        while not self._stopped.wait(self._interval_s):
            self.run_once()

    def run_once(self) -> bool:
        """One pass; a failure is logged and this thread's connection dropped, so the next
        reconnects."""
        try:
            self._action()
            self._notes.recovered()
            return True
        except peewee.PeeweeException as exc:  # the database is down or refuses writes
            self._notes.failed(f'a {self.name} pass (tried every {self._interval_s:g} s)',
                               db.explain(exc))
        except Exception:
            log.exception('%s: pass failed; trying again in %g s', self.name, self._interval_s)
        db.forget_connection()
        return False

    def stop(self):
        self._stopped.set()


def start_duties(worker_ttl_s: float, outage_notes: OutageNotes | None = None,
                 allocator=None) -> list[Duty]:
    """Start this process's duties: the reaper every quarter ttl, the purger every few seconds,
    the cron engine every second (each fire is one transaction on the job's locked row and a
    unique (schedule, fire time): several processes fire a job once; coordinator.store.firing),
    and the `allocator` when given (one process at a time acts: coordinator.allocator).

    A gap of half a ttl between reaper passes (two missed passes) is taken as a
    stall of the coordinator; shorter ones cannot push an agent that heartbeats
    every quarter ttl past its ttl.
    """
    notes = outage_notes or OutageNotes()
    duties = [Duty('farm-reaper', functools.partial(reap, worker_ttl_s, stall_s=worker_ttl_s / 2),
                   worker_ttl_s / 4, notes),
              Duty('farm-purger', runs.purge_deleted_runs, PURGE_INTERVAL_S, notes),
              Duty('farm-cron', firing.fire_due, FIRE_INTERVAL_S, notes)]
    if allocator is not None:  # every process runs it; the one holding its lease acts
        duties.append(Duty('farm-allocator', allocator.pass_once, allocator.settings.interval_s,
                           notes))
    for duty in duties:
        duty.start()
    return duties


def stop_duties(duties: list[Duty], allocator=None, wait_s: float = 5.0) -> None:
    """Stop this process's duties (its worker is leaving) and hand the allocator's lease over,
    so another process takes it up at its next pass rather than a whole lease later."""
    for duty in duties:
        duty.stop()
    for duty in duties:  # a pass under way ends first: it would renew a lease given up
        duty.join(wait_s)
    if allocator is None:
        return
    try:
        allocator.stop()
    except peewee.PeeweeException as exc:  # down: the lease expires by itself instead
        log.warning('could not hand the allocator lease over (%s); it expires by itself',
                    db.explain(exc))
