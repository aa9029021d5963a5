"""Schedules (/farm/v1/schedules): every family's, for `farm schedules` and the dashboard's
Schedules screen."""

import time

from coordinator.api.farm.views import instant_z
from coordinator.store import schedule_views


def schedule_view(view: schedule_views.ScheduleView) -> dict:
    return {'id': view.public_id, 'family': view.family, 'name': view.name,
            'job_type': view.job_type, 'kind': view.kind, 'when': view.when,
            'timezone': view.timezone, 'is_paused': view.is_paused,
            'next_fire_at': instant_z(view.next_fire_at),
            'last_fire_at': instant_z(view.last_fire_at), 'run_count': view.run_count,
            'last_state': view.last_state}


class Schedules:
    """GET /farm/v1/schedules: the caller's project's schedules of every family, the next to
    fire first."""

    def on_get(self, req, resp):
        resp.media = {'now': instant_z(time.time()),
                      'schedules': [schedule_view(view) for view in
                                    schedule_views.summary(req.context.principal)]}
