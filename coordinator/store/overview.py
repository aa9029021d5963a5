"""The dashboard's front page in one read: totals by state, throughput history, workers, the longest wait."""

import dataclasses
import time

from coordinator.db import run_sql
from coordinator.store import activity, worker_views
from coordinator.store.access import Principal
from coordinator.store.runs import visible

HISTORY_MINUTES = 30
_FINISHED = 'done_count + failed_count + cancelled_count = num_tasks'


@dataclasses.dataclass(frozen=True)
class Overview:
    now: float
    tasks: dict[str, int]  # waiting, running, done, failed, cancelled
    runs: dict[str, int]  # active, finished, total
    workers: dict[str, int]  # by worker state
    rate_per_s: float
    done_per_minute: list[int]  # oldest first; the last is the current minute
    failed_last_hour: int
    oldest_waiting: tuple[str, str | None, float] | None  # (run uuid, name, created_at)


def overview(principal: Principal, now: float | None = None) -> Overview:
    now = time.time() if now is None else now
    condition, params = visible(principal)
    total, num, running, done, failed, cancelled, finished = (int(value) for value in run_sql(
        'SELECT COUNT(*), COALESCE(SUM(num_tasks), 0), COALESCE(SUM(running_count), 0), '
        'COALESCE(SUM(done_count), 0), COALESCE(SUM(failed_count), 0), '
        f'COALESCE(SUM(cancelled_count), 0), COALESCE(SUM(CASE WHEN {_FINISHED} THEN 1 ELSE 0 END), 0) '
        f'FROM run WHERE {condition}', params).fetchone())
    oldest = run_sql(f'SELECT uuid, name, created_at FROM run WHERE {condition} '
                     'AND running_count + done_count + failed_count + cancelled_count < num_tasks '
                     'ORDER BY id LIMIT 1', params).fetchone()
    history = activity.project_history(principal, now, 60)
    this_minute = int(now // 60)
    return Overview(
        now=now,
        tasks={'waiting': num - running - done - failed - cancelled, 'running': running,
               'done': done, 'failed': failed, 'cancelled': cancelled},
        runs={'active': total - finished, 'finished': finished, 'total': total},
        workers=worker_views.count_by_state(principal),
        rate_per_s=activity.project_rate(principal, now),
        done_per_minute=[history.get(minute, (0, 0))[0] for minute in
                         range(this_minute - HISTORY_MINUTES + 1, this_minute + 1)],
        failed_last_hour=sum(failed for _, failed in history.values()),
        oldest_waiting=tuple(oldest) if oldest else None)
