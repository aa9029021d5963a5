"""Starting while PostgreSQL is down: the coordinator waits for it, saying so, instead of exiting.

A coordinator started by a batch job or a service manager may come up before its
database server (a reboot of both, a PostgreSQL being restarted). Exiting would
leave it to whoever started it to try again; it waits instead, up to
`database_wait_s` (FARM_DATABASE_WAIT_S), with one line per try. Only a server
that is down, starting, stopping or out of reach is waited for: a wrong password,
database or role needs a person, and fails at once.
"""

import time
from collections.abc import Callable

import peewee

from coordinator import db

# libpq's words for a server that waiting may bring back
_PASSING = ('connection refused', 'could not connect', 'the database system is starting up',
            'the database system is shutting down', 'the database system is in recovery mode',
            'server closed the connection unexpectedly', 'terminating connection',
            'timeout expired', 'timed out', 'no route to host', 'network is unreachable',
            'connection reset', 'too many clients already')
FIRST_DELAY_S, MAX_DELAY_S = 1.0, 10.0


def passing(exc: Exception) -> bool:
    """Whether `exc` says the database server is unreachable for now, not misconfigured."""
    return isinstance(exc, (peewee.OperationalError, peewee.InterfaceError)) and any(
        fragment in str(exc).lower() for fragment in _PASSING)


def wait_for_database(first_use: Callable[[], object], url: str, wait_s: float,
                      say: Callable[[str], None], *, sleep: Callable[[float], None] = time.sleep,
                      clock: Callable[[], float] = time.monotonic):
    """`first_use()`, tried again while the database is unreachable, for up to `wait_s`.

    Raises the database's error when it is not a passing one, or when it outlasts `wait_s`.
    """
    started, delay, tries = clock(), FIRST_DELAY_S, 0
    while True:
        try:
            result = first_use()
        except (peewee.OperationalError, peewee.InterfaceError) as exc:
            waited_s = clock() - started
            if not passing(exc) or waited_s + delay > wait_s:
                raise
            db.forget_connection()  # a half-opened connection would fail the next try too
            tries += 1
            say(f'database {db.describe(url)} unavailable ({db.explain(exc)}): waiting for it, '
                f'next try in {delay:g} s (waited {waited_s:.0f} of at most {wait_s:g} s, '
                'FARM_DATABASE_WAIT_S)')
            sleep(delay)
            delay = min(delay * 2, MAX_DELAY_S)
            continue
        if tries:
            say(f'database {db.describe(url)} is back after {clock() - started:.0f} s: starting')
        return result
