"""Job-type status views (/v6/job-types/status/, pending/, running/, system-failures/).

Counts of tasks of every family by type, as Scale's views shape them; the store counts
(store.job_type_status), this layer reads the parameters and writes the pages.
"""

import time

from coordinator.api.farm.views import instant_z
from coordinator.api.scale import params, views
from coordinator.store import job_type_status


class Status:
    """GET status/: every type (by name, then version) with its counts by status in the window
    ?started= to ?ended= (the last 3 hours unless told), RUNNING whatever the window."""

    def on_get(self, req, resp):
        now = time.time()
        start, end = params.window(req, now)
        is_active = params.boolean(req, 'is_active')
        page = params.page(req)
        count, rows = job_type_status.status(req.context.principal, start, end, is_active,
                                             page.offset, page.size, now)
        resp.media = {**views.paged(req, page, count, [views.status_view(row) for row in rows]),
                      'started': instant_z(start), 'ended': instant_z(end)}


class Pending:
    """GET pending/: types with tasks waiting out a delay, the longest waiting first."""

    def on_get(self, req, resp):
        page = params.page(req)
        count, tallies = job_type_status.pending(req.context.principal, page.offset, page.size,
                                                 time.time())
        resp.media = views.paged(req, page, count, [views.tally_view(tally, 'longest_pending')
                                                    for tally in tallies])


class Running:
    """GET running/: types with running tasks, the longest running first."""

    def on_get(self, req, resp):
        page = params.page(req)
        count, tallies = job_type_status.running(req.context.principal, page.offset, page.size)
        resp.media = views.paged(req, page, count, [views.tally_view(tally, 'longest_running')
                                                    for tally in tallies])


class SystemFailures:
    """GET system-failures/: tasks failed with a SYSTEM error, by type and error, ever; the
    most recent first."""

    def on_get(self, req, resp):
        page = params.page(req)
        count, found = job_type_status.system_failures(req.context.principal, page.offset,
                                                       page.size)
        resp.media = views.paged(req, page, count, [views.system_failure_view(failure)
                                                    for failure in found])
