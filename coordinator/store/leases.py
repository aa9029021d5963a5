"""Duty leases: one coordinator process at a time performs a duty, by a conditional UPDATE.

A process holds the lease named `name` while it renews it before it expires; another
takes it only once it has expired. Taking and renewing are the same UPDATE, whose row
count says who holds it, so two processes never both believe they hold it (short of a
pass that outlives the lease: holders renew before each step that acts, see allocator).
"""

from coordinator.db import database, run_sql


def hold(name: str, holder: str, ttl_s: float, now: float) -> bool:
    """Take or renew the lease `name` for `holder` until now + ttl_s; whether it holds it."""
    with database.write():
        run_sql('INSERT INTO duty_lease (name, holder, expires_at) VALUES (?, NULL, 0) '
                'ON CONFLICT DO NOTHING', (name,))
        changed = run_sql('UPDATE duty_lease SET holder = ?, expires_at = ? WHERE name = ? '
                          'AND (holder = ? OR holder IS NULL OR expires_at < ?)',
                          (holder, now + ttl_s, name, holder, now)).rowcount
    return changed == 1


def release(name: str, holder: str) -> None:
    """Give the lease up at once (a process stopping), so another takes it without waiting."""
    with database.write():
        run_sql('UPDATE duty_lease SET holder = NULL, expires_at = 0 WHERE name = ? '
                'AND holder = ?', (name, holder))


def holder_of(name: str, now: float) -> str | None:
    """Who holds the lease now, if anyone."""
    row = run_sql('SELECT holder FROM duty_lease WHERE name = ? AND expires_at >= ?',
                  (name, now)).fetchone()
    return row[0] if row else None
