"""The queue (/farm/v1/queue): what waits, by job type and priority, for `farm queue` and the
dashboard's Queues screen."""

import time

from coordinator.api.farm.views import instant_z
from coordinator.store import queue_views


def group_view(group: queue_views.QueueGroup) -> dict:
    view = group.view
    return {'job_type': {'id': view.id, 'name': view.name, 'version': view.version,
                         'is_paused': view.is_paused, 'is_active': view.is_active},
            'priority': group.priority, 'queued': group.queued,
            'available_now': group.available_now,
            'oldest_queued_at': instant_z(group.oldest_queued_at)}


class Queue:
    """GET /farm/v1/queue: the caller's project's queued work of every family (runs' tasks
    under their type), the highest priority first, then by type name."""

    def on_get(self, req, resp):
        now = time.time()
        groups = queue_views.summary(req.context.principal, now)
        resp.media = {'now': instant_z(now), 'queue': [group_view(group) for group in groups],
                      'total': {'queued': sum(group.queued for group in groups),
                                'available_now': sum(group.available_now for group in groups)}}
