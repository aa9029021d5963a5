"""Jobs (/v6/job-types/{name}/{version}/jobs/, /v6/jobs/): queue one of a type, read them back.

Scale v6 queues a job with POST /v6/jobs/ {"job_type_id", "input", "configuration"}, its
input a Scale data object of file ids and JSON values. Here a job is queued at its type's
own URL, with {"input": {name: value, ...}, "priority": n}: file inputs are paths (there is
no file store), and the type's configuration is its own (a job cannot change it).
"""

import time

import falcon

from coordinator.api import bodies
from coordinator.api.scale import params, views
from coordinator.api.scale.manifests import MAX_PRIORITY
from coordinator.errors import InvalidInput
from coordinator.seed.words import describe
from coordinator.states import ScaleStatus
from coordinator.store import jobs
from coordinator.store.jobs import JobFilters

FIELDS = frozenset({'input', 'priority'})


class QueueJob(bodies.BodyResource):
    """POST {"input", "priority"?}: one job of this type queued (201, and where to read it)."""

    def on_post(self, req, resp, name, version):
        body = self._read_body(req)
        bodies.only_keys(body, FIELDS)
        inputs = body.get('input', {})
        if not isinstance(inputs, dict):
            raise InvalidInput('input must be an object of input names to values, not '
                               f'{describe(inputs)}')
        priority = bodies.optional(body, 'priority', bodies.integer, minimum=1,
                                   maximum=MAX_PRIORITY)
        principal = req.context.principal
        job_id = jobs.queue_job(principal, name, version, inputs, priority)
        resp.status = falcon.HTTP_201
        resp.location = f'{req.prefix}/v6/jobs/{job_id}/'
        resp.media = views.job_view(jobs.job(principal, job_id), time.time())


class Jobs:
    """GET /v6/jobs/: jobs newest first, filtered by ?status=, ?job_type_name=, ?job_type_id=
    (each repeatable: any of them), a page at a time."""

    def on_get(self, req, resp):
        filters = JobFilters(statuses=params.choices(req, 'status', ScaleStatus),
                             type_names=params.names(req, 'job_type_name'),
                             type_ids=params.ids(req, 'job_type_id'))
        page, now = params.page(req), time.time()
        count, found = jobs.list_jobs(req.context.principal, filters, page.offset, page.size,
                                      now)
        resp.media = views.paged(req, page, count, [views.job_view(job, now) for job in found])


class Job:
    """GET /v6/jobs/{id}/: one job."""

    def on_get(self, req, resp, job_id):
        resp.media = views.job_view(jobs.job(req.context.principal, job_id), time.time())
