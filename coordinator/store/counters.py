"""A run's task counters, kept in step with every task that changes state (no scans to read them)."""

import collections

from coordinator.db import run_sql
from coordinator.states import TaskState

# which counter holds tasks in each state; queued tasks are counted by difference
_COLUMN = {
    TaskState.RUNNING: 'running_count',
    TaskState.COMPLETE: 'done_count',
    TaskState.ERROR: 'failed_count',
    TaskState.KILLED: 'failed_count',
    TaskState.TIMEOUT: 'failed_count',
}


class RunCounters:
    """Changes to one run's counters, gathered over a transaction and written once."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self._steps = collections.Counter()
        self._percent_delta = 0.0

    def move(self, old: TaskState, new: TaskState, percent_delta: float = 0.0) -> None:
        """Count one task moving from `old` to `new` with its progress changed by `percent_delta`."""
        before, after = _COLUMN.get(old), _COLUMN.get(new)
        if before != after:
            if before:
                self._steps[before] -= 1
            if after:
                self._steps[after] += 1
        self._percent_delta += percent_delta

    def save(self) -> None:
        """Write the gathered changes in one UPDATE (inside the caller's transaction)."""
        if not self._percent_delta and not any(self._steps.values()):
            return
        run_sql('UPDATE run SET running_count = running_count + ?, done_count = done_count + ?, '
                'failed_count = failed_count + ?, percent_sum = percent_sum + ? WHERE id = ?',
                (self._steps['running_count'], self._steps['done_count'],
                 self._steps['failed_count'], self._percent_delta, self.run_id))
