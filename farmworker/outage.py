"""Telling of a coordinator outage in a few lines: when it starts, now and then, when it ends.

An agent retries every second or so while the coordinator is down or answers 503; a line per
retry buries, in a long outage, everything else the agent says. `Outage` says the first
failure with its reason and how often the agent retries, sums up the retries every
`every_s`, and says when the coordinator answered again, after how long and how many
retries. Thread-safe (the dashboard calls from two threads); the clock is a parameter.
"""

import logging
import threading
import time
from collections.abc import Callable


class Outage:
    """One client's account of the coordinator failing to answer, try after try."""

    def __init__(self, log: logging.Logger, every_s: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self._log, self._every_s, self._clock = log, every_s, clock
        self._lock = threading.Lock()
        self._began: float | None = None
        self._said = 0.0
        self._retries = 0  # since the outage began
        self._since_said = 0  # since the last line

    def retrying(self, problem: str, within_s: float) -> None:
        """A try failed with `problem`; the next comes within `within_s`."""
        with self._lock:
            now = self._clock()
            if self._began is None:
                self._began, self._said, self._retries, self._since_said = now, now, 1, 0
                self._log.warning('coordinator unavailable (%s); retrying at least every %g s',
                                  problem, within_s)
                return
            self._retries += 1
            self._since_said += 1
            if now - self._said >= self._every_s:
                self._log.warning('coordinator still unavailable after %.0f s (%d retries '
                                  'since the last line; the last: %s)', now - self._began,
                                  self._since_said, problem)
                self._said, self._since_said = now, 0

    def answered(self) -> None:
        """The coordinator answered: end the outage, if there is one."""
        if self._began is None:  # the usual case, without taking the lock
            return
        with self._lock:
            if self._began is None:
                return
            self._log.warning('coordinator back after %.1f s, %d retries',
                              self._clock() - self._began, self._retries)
            self._began = None
