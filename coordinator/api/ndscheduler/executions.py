"""Executions (/api/v1/executions): a time window's, one by id, run a job now, cancel one.

An execution is work queued on the farm: run now (POST with a job's id) answers at once
with the execution's id, in state `scheduled`, instead of waiting for it to end as
ndscheduler does; a serve agent runs it. DELETE cancels one that has not finished (a
running one is stopped by its agent), where ndscheduler answers 501.
"""

import time

from coordinator.api.ndscheduler import params, views
from coordinator.api.ndscheduler.jobs import job_id_of
from coordinator.api.scale import params as scale_params
from coordinator.store import executions


class Executions:
    """GET /api/v1/executions?time_range_start=&time_range_end=&page=&page_size=: the
    executions queued in the window (the last ten minutes unless told), the latest updated
    first; every one unless a page is asked for."""

    def on_get(self, req, resp):
        start, end = params.time_range(req, time.time())
        offset, limit = 0, None
        if req.get_param('page') is not None or req.get_param('page_size') is not None:
            page = scale_params.page(req)
            offset, limit = page.offset, page.size
        found = executions.list_executions(req.context.principal, start, end, offset, limit)
        resp.media = {'executions': [views.execution_view(execution) for execution in found]}


class Execution:
    """GET /api/v1/executions/{id}, DELETE cancels it; POST /api/v1/executions/{job_id} runs
    that job now."""

    def on_get(self, req, resp, execution_id):
        resp.media = views.execution_view(
            executions.get_execution(req.context.principal, execution_id))

    def on_post(self, req, resp, execution_id):
        job_id = job_id_of(execution_id)  # the path names a job here, as on ndscheduler
        resp.media = {'execution_id': executions.run_now(req.context.principal, job_id)}

    def on_delete(self, req, resp, execution_id):
        executions.cancel(req.context.principal, execution_id)
        resp.media = {'execution_id': execution_id}
