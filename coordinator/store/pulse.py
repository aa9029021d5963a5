"""The coordinator's pulse: when the reaper last made a pass, since when agents could be heard.

Shared by every coordinator process through the database, so a stall of the
whole coordinator (the database down, a write lock held for long) shows as a
gap between passes, whichever process notices it first.
"""

import logging

from coordinator.db import database, run_sql

log = logging.getLogger(__name__)


def note_pass(now: float, stall_s: float) -> float:
    """Record a reaper pass at `now`; returns since when agents have been heard.

    Call inside a write transaction. A gap of more than `stall_s` since the last
    pass starts the hearing again at `now`.
    """
    last_pass_at, hearing_since = run_sql(
        'SELECT last_pass_at, hearing_since FROM coordinator_pulse WHERE id = 1 FOR UPDATE'
    ).fetchone()
    if now - last_pass_at > stall_s:
        log.warning('the coordinator could not make a pass for %.0f s (the database was '
                    'unavailable or busy): silence until now is not held against agents',
                    now - last_pass_at)
        hearing_since = now
    run_sql('UPDATE coordinator_pulse SET last_pass_at = ?, hearing_since = ? WHERE id = 1',
            (now, hearing_since))
    return hearing_since


def probe_write(now: float) -> None:
    """A real (tiny) write, to prove the write path works: raises the database's error if not."""
    with database.write():
        run_sql('UPDATE coordinator_pulse SET probed_at = ? WHERE id = 1', (now,))
