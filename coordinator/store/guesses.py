"""Failed password checks, counted per user name and per client address, to limit guessing."""

import dataclasses
import math
import time

from coordinator.db import database, run_sql
from coordinator.errors import TooManyRequests
from coordinator.models import PasswordFailure
from coordinator.store import audit


@dataclasses.dataclass(frozen=True, slots=True)
class Limits:
    """How many failures a user name and a client address may have within `window_s`."""

    window_s: float
    per_name: int
    per_address: int

    @classmethod
    def from_config(cls, config) -> 'Limits':
        return cls(config.password_failure_window_s, config.password_failures_per_name,
                   config.password_failures_per_address)

    def each(self, name: str, address: str) -> tuple[tuple[str, str, int], ...]:
        """(column, value, limit) for the name and the address (as much of it as is kept)."""
        kept = address[:PasswordFailure.address.max_length]  # an IPv6 address with a zone fits
        return ('name', name, self.per_name), ('address', kept, self.per_address)


def refuse_if_limited(limits: Limits, name: str, address: str, now: float | None = None) -> None:
    """TooManyRequests, saying when to retry, while the name or the address is out of failures."""
    now = time.time() if now is None else now
    for column, value, limit in limits.each(name, address):
        until = _limited_until(limits, column, value, limit, now)
        if until is not None:
            what = 'user name' if column == 'name' else 'client address'
            raise TooManyRequests(f'too many failed password checks for this {what}; try again '
                                  'later, or use a token', retry_after_s=math.ceil(until - now))


def record_failure(limits: Limits, name: str, address: str, now: float | None = None) -> None:
    """Keep a failed check; the failure that uses up a name's or an address's limit is audited."""
    now = time.time() if now is None else now
    with database.write():
        run_sql('DELETE FROM password_failure WHERE failed_at <= ?', (now - limits.window_s,))
        keys = limits.each(name, address)
        run_sql('INSERT INTO password_failure (name, address, failed_at) VALUES (?, ?, ?)',
                (*(value for _, value, _ in keys), now))
        for column, value, limit in keys:
            (failures,) = run_sql(f'SELECT COUNT(*) FROM password_failure WHERE {column} = ? '
                                  'AND failed_at > ?', (value, now - limits.window_s)).fetchone()
            if failures == limit:
                audit.record(None, 'password.limit', 'user', name, now=now, address=address,
                             limited=column, failures=failures, window_s=limits.window_s)


def _limited_until(limits: Limits, column: str, value: str, limit: int,
                   now: float) -> float | None:
    """When the `limit`-th latest failure leaves the window, if there are that many in it."""
    row = run_sql(f'SELECT failed_at FROM password_failure WHERE {column} = ? AND failed_at > ? '
                  'ORDER BY failed_at DESC LIMIT 1 OFFSET ?',
                  (value, now - limits.window_s, limit - 1)).fetchone()
    return None if row is None else row[0] + limits.window_s
