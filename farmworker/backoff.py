"""Exponential backoff with full jitter, for retrying the coordinator after errors and 503s."""

import math
import random
from collections.abc import Callable


class Backoff:
    """Delays for successive retries: uniform in [0, min(cap, base * factor**attempt)).

    Full jitter (rather than a fixed schedule) spreads out the many agents of a job array that
    all lost the coordinator at the same moment, so they do not return in one stampede.
    The caller sleeps; this class only computes, so tests inject `rng` and never wait.
    """

    def __init__(self, base_s: float = 0.5, cap_s: float = 60.0, factor: float = 2.0,
                 rng: Callable[[], float] = random.random) -> None:
        if not (base_s > 0 and cap_s >= base_s and factor >= 1):
            raise ValueError('need base_s > 0, cap_s >= base_s and factor >= 1')
        self.base_s = base_s
        self.cap_s = cap_s
        self.factor = factor
        self._rng = rng
        self._attempts = 0

    def ceiling_s(self) -> float:
        """The upper bound of the next delay."""
        try:
            grown = self.base_s * self.factor ** self._attempts
        except OverflowError:  # long outage: factor**attempts left float range; cap applies
            return self.cap_s
        return min(self.cap_s, grown)

    def next_delay(self, at_least: float = 0) -> float:
        """Seconds to wait before the next try; counts one attempt.

        `at_least` is a server's Retry-After hint: the delay is never shorter than it, but is
        still clamped to `cap_s`. The cap is the agent's own promise to look again within that
        time (a draining job cannot sit out an hour-long Retry-After on its walltime), and the
        server answers 503 again if we come back too early.
        """
        jittered = self._rng() * self.ceiling_s()
        self._attempts += 1
        if math.isnan(at_least):  # a garbled header must neither raise nor park us
            at_least = 0
        return min(self.cap_s, max(jittered, at_least))

    def reset(self) -> None:
        """Start again from `base_s`, after a request succeeds."""
        self._attempts = 0
