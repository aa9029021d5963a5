"""Audit logs (/api/v1/logs): what was done to the project's cron jobs in a time window."""

import time

from coordinator.api.ndscheduler import params, views
from coordinator.store.schedule_logs import schedule_logs


class Logs:
    """GET /api/v1/logs?time_range_start=&time_range_end=: the newest first."""

    def on_get(self, req, resp):
        start, end = params.time_range(req, time.time())
        resp.media = {'logs': [views.log_view(log)
                               for log in schedule_logs(req.context.principal, start, end)]}
