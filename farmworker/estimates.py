"""Task-duration estimates, and whether a task will finish before the Slurm walltime ends."""

import math
from collections import deque


class DurationWindow:
    """The last `maxlen` observed task durations, and percentiles over them.

    Percentiles use the nearest-rank method: always an observed duration, never an
    interpolation, and it rounds towards the slower tasks, which is the safe side when the
    question is "will it fit before the job is killed?".
    """

    def __init__(self, maxlen: int = 1000, min_samples: int = 3) -> None:
        if maxlen < 1 or min_samples < 1:
            raise ValueError('maxlen and min_samples must be at least 1')
        self.min_samples = min_samples
        self._durations: deque[float] = deque(maxlen=maxlen)
        self._sorted: list[float] | None = None  # cached until the next add()

    def __len__(self) -> int:
        return len(self._durations)

    def add(self, seconds: float) -> None:
        """Record one completed task's duration."""
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f'a duration must be finite and >= 0, not {seconds!r}')
        self._durations.append(float(seconds))
        self._sorted = None

    def percentile(self, q: float) -> float | None:
        """The nearest-rank q-quantile (q in [0, 1]); None below `min_samples` observations."""
        if not 0 <= q <= 1:
            raise ValueError(f'q must be within [0, 1], not {q!r}')
        if len(self._durations) < self.min_samples:
            return None
        if self._sorted is None:
            self._sorted = sorted(self._durations)
        rank = math.ceil(q * len(self._sorted))  # 1-based; q == 0 gives rank 0 -> the minimum
        return self._sorted[max(rank, 1) - 1]


def expected_duration_s(hint_s: float | None, window: DurationWindow,
                        q: float = 0.9) -> float | None:
    """How long the next task should take: the run's hint, else the q-percentile, else None."""
    if hint_s is not None:  # the user knows their tasks better than a few samples do
        return hint_s
    return window.percentile(q)


def fits(now: float, walltime_end: float | None, expected_s: float | None,
         margin_s: float = 30.0) -> bool:
    """Whether a task started at `now` should finish, with `margin_s` to spare, before the end.

    With no known end or no estimate yet there is nothing to refuse on, so claim: the drain on
    SIGTERM / USR1 still hands unfinished work back without using up a try.
    """
    if walltime_end is None or expected_s is None:
        return True
    return now + expected_s + margin_s <= walltime_end
