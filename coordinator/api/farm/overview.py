"""The overview (/farm/v1/overview): what the dashboard's first screen shows, in one request."""

from coordinator.api.farm.views import instant
from coordinator.store import overview


def _oldest_waiting(oldest: tuple[str, str | None, float] | None) -> dict | None:
    """The run whose work has waited longest, if any work waits."""
    return oldest and {'run': oldest[0], 'name': oldest[1], 'since': instant(oldest[2])}


class Overview:
    """GET /farm/v1/overview: totals, throughput history, workers and the longest wait."""

    def on_get(self, req, resp):
        view = overview.overview(req.context.principal)
        resp.media = {
            'now': instant(view.now), 'tasks': view.tasks, 'runs': view.runs,
            'workers': view.workers, 'rate_per_s': view.rate_per_s,
            'done_per_minute': view.done_per_minute, 'failed_last_hour': view.failed_last_hour,
            'oldest_waiting': _oldest_waiting(view.oldest_waiting)}
