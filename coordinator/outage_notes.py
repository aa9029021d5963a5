"""Logging a database outage in a few lines, not one per failed request or background pass."""

import logging
import threading
import time
from collections.abc import Callable


class OutageNotes:
    """One process's account of a run of database failures.

    The first failure of a run is logged with its cause; later ones are counted and
    summed up every `every_s`, so an hour's outage under a hundred agents is a few
    hundred lines rather than a line per request. A failure after `quiet_s` without
    any starts a new run. `recovered()` (a background pass went through) ends the run
    with a line saying how long it lasted. Thread-safe; the clock is a parameter.
    """

    def __init__(self, log: logging.Logger = logging.getLogger(__name__), every_s: float = 30.0,
                 quiet_s: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self._log, self._every_s, self._quiet_s, self._clock = log, every_s, quiet_s, clock
        self._lock = threading.Lock()
        self._began = self._said = self._last = None
        self._failures = 0

    def failed(self, what: str, cause: str) -> None:
        """`what` (a request, a pass) failed because of `cause`, the database's error in words."""
        with self._lock:
            now = self._clock()
            if self._began is None or now - self._last > self._quiet_s:
                self._began = self._said = self._last = now
                self._failures = 0
                self._log.warning('database unavailable: %s failed: %s (503s with Retry-After '
                                  'until it is back; further failures summed up every %g s)',
                                  what, cause, self._every_s)
                return
            self._last = now
            self._failures += 1
            if now - self._said >= self._every_s:
                self._log.warning('database still unavailable after %.0f s (%d more failures, '
                                  'the last %s): %s', now - self._began, self._failures, what,
                                  cause)
                self._said, self._failures = now, 0

    def recovered(self) -> None:
        """The database answered: end the run of failures, if there is one."""
        if self._began is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._began is None:
                return
            self._log.warning('database available again after %.0f s of failures',
                              self._clock() - self._began)
            self._began = self._said = self._last = None
            self._failures = 0
