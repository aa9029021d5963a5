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
    """Changes to one run's counters, gathered over a transaction at `now` and written once.

    A claim's new tasks and `next_number` go in the same UPDATE as its results' counts: the
    run's row stays locked until the transaction commits, and on PostgreSQL each statement
    is a round trip that every other claim of the run waits through.
    """

    def __init__(self, run_id: int, now: float):
        self.run_id, self.now = run_id, now
        self._steps = collections.Counter()
        self._percent_delta = 0.0
        self._finished = collections.Counter()  # tasks that ended now: 'done' or 'failed'
        self._next_number = None  # set by a claim that handed out never-claimed numbers
        self._claimed = False

    def claim(self, tasks: int, next_number: int | None = None) -> None:
        """Count `tasks` handed out by a claim, and the run's new next number if it moved."""
        self._steps['running_count'] += tasks
        self._claimed = self._claimed or tasks > 0
        if next_number is not None:
            self._next_number = next_number

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
        if (not self._percent_delta and not any(self._steps.values())
                and not self._claimed and self._next_number is None):
            return
        finished = bool(self._finished)
        run_sql('UPDATE run SET running_count = running_count + ?, done_count = done_count + ?, '
                'failed_count = failed_count + ?, cancelled_count = cancelled_count + ?, '
                'percent_sum = percent_sum + ?, '
                'last_ended_at = CASE WHEN ? THEN ? ELSE last_ended_at END, '
                'started_at = CASE WHEN ? THEN COALESCE(started_at, ?) ELSE started_at END, '
                'next_number = COALESCE(?, next_number) WHERE id = ?',
                (*(self._steps[column] for column in _COUNTERS), self._percent_delta,
                 finished, self.now, self._claimed, self.now, self._next_number, self.run_id))
        if finished:
            run_sql('INSERT INTO run_activity (project_id, run_id, minute, done, failed) '
                    'SELECT project_id, id, ?, ?, ? FROM run WHERE id = ? '
                    'ON CONFLICT (run_id, minute) DO UPDATE SET '
                    'done = run_activity.done + excluded.done, '
                    'failed = run_activity.failed + excluded.failed',
                    (int(self.now // 60), self._finished['done'], self._finished['failed'],
                     self.run_id))
