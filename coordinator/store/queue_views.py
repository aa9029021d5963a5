"""Queued work as people look at it: what waits, by job type and priority, every family's.

Counted out of the queue index (models.QUEUE_INDEX) for queued rows, and from the runs'
counters for their tasks never handed out (store.backlog), which wait at priority 0
under the run's type and may be handed out at once.
"""

import dataclasses

from coordinator.store import backlog, job_type_views
from coordinator.store.access import Principal
from coordinator.store.id_lists import grouped
from coordinator.store.job_type_views import TypeView, version_order


@dataclasses.dataclass(frozen=True, slots=True)
class QueueGroup:
    """The tasks of one type waiting at one priority: how many, how many may go now, since
    when the oldest waits."""

    view: TypeView
    priority: int
    queued: int
    available_now: int
    oldest_queued_at: float


def summary(principal: Principal, now: float) -> list[QueueGroup]:
    """The caller's project's queued work by type and priority: the highest priority first,
    then by type name and version."""
    types = job_type_views.by_id(principal)
    groups = {(type_id, priority): [queued, available, oldest]
              for type_id, priority, queued, available, oldest in grouped(
                  list(types), 'SELECT job_type_id, priority, COUNT(*), '
                               'SUM(CASE WHEN available_at <= ? THEN 1 ELSE 0 END), '
                               'MIN(queued_at) FROM task WHERE job_type_id IN ({ids}) '
                               "AND status = 'queued' GROUP BY job_type_id, priority",
                  head=(now,))}
    for item in backlog.unclaimed(principal.project_id):
        group = groups.setdefault((item.job_type_id, 0), [0, 0, item.since])
        group[0], group[1] = group[0] + item.count, group[1] + item.count
        group[2] = min(group[2], item.since)
    found = [QueueGroup(types[type_id], priority, queued, int(available), oldest)
             for (type_id, priority), (queued, available, oldest) in groups.items()]
    found.sort(key=lambda group: (-group.priority, group.view.name,
                                  version_order(group.view.version), group.view.id))
    return found
