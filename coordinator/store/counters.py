"""A run's task counters and per-minute activity, kept in step with every task that changes state.

Reading a run's progress, rate or ETA is then one row (or a few minute rows),
never a scan of its tasks.
"""

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
    TaskState.CANCELLED: 'cancelled_count',
}
_COUNTERS = ('running_count', 'done_count', 'failed_count', 'cancelled_count')


class RunCounters:
    """Changes to one run's counters, gathered over a transaction at `now` and written once."""

    def __init__(self, run_id: int, now: float):
        self.run_id, self.now = run_id, now
        self._steps = collections.Counter()
        self._percent_delta = 0.0
        self._finished = collections.Counter()  # tasks that ended now: 'done' or 'failed'

    def move(self, old: TaskState, new: TaskState, percent_delta: float = 0.0) -> None:
        """Count one task moving from `old` to `new` with its progress changed by `percent_delta`."""
        before, after = _COLUMN.get(old), _COLUMN.get(new)
        if before != after:
            if before:
                self._steps[before] -= 1
            if after:
                self._steps[after] += 1
                if after in ('done_count', 'failed_count'):
                    self._finished[after.removesuffix('_count')] += 1
        self._percent_delta += percent_delta

    def save(self) -> None:
        """Write the gathered changes (inside the caller's transaction): one UPDATE, one upsert."""
        if not self._percent_delta and not any(self._steps.values()):
            return
        finished = bool(self._finished)
        run_sql('UPDATE run SET running_count = running_count + ?, done_count = done_count + ?, '
                'failed_count = failed_count + ?, cancelled_count = cancelled_count + ?, '
                'percent_sum = percent_sum + ?, '
                'last_ended_at = CASE WHEN ? THEN ? ELSE last_ended_at END WHERE id = ?',
                (*(self._steps[column] for column in _COUNTERS), self._percent_delta,
                 finished, self.now, self.run_id))
        if finished:
            run_sql('INSERT INTO run_activity (project_id, run_id, minute, done, failed) '
                    'SELECT project_id, id, ?, ?, ? FROM run WHERE id = ? '
                    'ON CONFLICT (run_id, minute) DO UPDATE SET '
                    'done = run_activity.done + excluded.done, '
                    'failed = run_activity.failed + excluded.failed',
                    (int(self.now // 60), self._finished['done'], self._finished['failed'],
                     self.run_id))
