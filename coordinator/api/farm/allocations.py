"""Allocation queues (/farm/v1/allocations): where the allocator starts agents on Slurm, for
`farm alloc` and the dashboard: add, list, read, pause, resume, change limits, remove; a queue's
jobs."""

import time

import falcon

from coordinator.api import bodies
from coordinator.api.farm.views import instant
from coordinator.store import allocations
from coordinator.store.allocations import (
    LIMITS,
    MAX_SBATCH_ARGS,
    MAX_SERVED,
    RANGES,
    QueueSpec,
    QueueView,
)

FIELDS = {'name', 'walltime_s', 'max_jobs', 'nodes', 'slots', 'idle_timeout_s', 'partition',
          'account', 'qos', 'sbatch_args', 'job_types', 'runs'}
SLURM_WORDS = ('partition', 'account', 'qos')
MAX_ARG = 1024  # one sbatch option
MAX_TYPE_NAME, MAX_RUN = 64, 32
DEFAULT_IDLE_TIMEOUT_S = QueueSpec.__dataclass_fields__['idle_timeout_s'].default
MAX_JOBS_LISTED = 1000


def queue_view(view: QueueView) -> dict:
    spec = view.spec
    return {'name': spec.name, 'walltime_s': spec.walltime_s, 'max_jobs': spec.max_jobs,
            'nodes': spec.nodes, 'slots': spec.slots, 'idle_timeout_s': spec.idle_timeout_s,
            'partition': spec.partition, 'account': spec.account, 'qos': spec.qos,
            'sbatch_args': list(spec.sbatch_args),
            'job_types': None if spec.job_types is None else list(spec.job_types),
            'runs': None if spec.runs is None else list(spec.runs),
            'paused': view.is_paused, 'backoff_until': instant(view.backoff_until),
            'last_decision': view.last_decision,
            'last_decision_at': instant(view.last_decision_at),
            'jobs_pending': view.jobs_pending, 'jobs_running': view.jobs_running,
            'agents': view.agents, 'created_by': view.created_by,
            'created_at': instant(view.created_at)}


def limit(body: dict, key: str):
    """A number of the queue, in the range the store allows (slots may be null: the CPUs)."""
    value, (low, high) = body[key], RANGES[key]
    if key == 'slots' and value is None:
        return None
    if key == 'idle_timeout_s':
        return bodies.number(value, key, low, high)
    return bodies.integer(value, key, minimum=low, maximum=high)


def _names(body: dict, key: str, max_length: int) -> tuple[str, ...] | None:
    """A list of names, or null (or absent) for no narrowing."""
    if body.get(key) is None:
        return None
    return tuple(bodies.text_list(body[key], key, max_items=MAX_SERVED, max_length=max_length))


def _sbatch_args(body: dict) -> tuple[str, ...]:
    value = body.get('sbatch_args')
    if value is None or value == []:
        return ()
    return tuple(bodies.text_list(value, 'sbatch_args', max_items=MAX_SBATCH_ARGS,
                                  max_length=MAX_ARG))


def spec_of(body: dict) -> QueueSpec:
    """A queue as POSTed; the store checks the rules between fields and against the project."""
    bodies.only_keys(body, FIELDS)
    for key in ('walltime_s', 'max_jobs'):
        bodies.required(body, key)
    numbers = {key: limit(body, key) for key in RANGES if key in body}
    words = {key: None if body.get(key) is None else bodies.text(body[key], key, 64)
             for key in SLURM_WORDS}
    return QueueSpec(
        name=bodies.text(bodies.required(body, 'name'), 'name', 64),
        walltime_s=numbers['walltime_s'], max_jobs=numbers['max_jobs'],
        nodes=numbers.get('nodes', 1), slots=numbers.get('slots'),
        idle_timeout_s=numbers.get('idle_timeout_s', DEFAULT_IDLE_TIMEOUT_S),
        sbatch_args=_sbatch_args(body), job_types=_names(body, 'job_types', MAX_TYPE_NAME),
        runs=_names(body, 'runs', MAX_RUN), **words)


class Allocations(bodies.BodyResource):
    """GET /farm/v1/allocations: the project's queues by name; POST one to add it (201)."""

    def on_get(self, req, resp):
        resp.media = {'now': instant(time.time()),
                      'allocations': [queue_view(view) for view in
                                      allocations.list_queues(req.context.principal)]}

    def on_post(self, req, resp):
        spec = spec_of(self._read_body(req))
        resp.status = falcon.HTTP_201
        resp.media = queue_view(allocations.add_queue(req.context.principal, spec))


class Allocation(bodies.BodyResource):
    """GET /farm/v1/allocations/{queue}: the queue, its jobs' counts and its last decision;
    PATCH {paused, limits}: pause, resume or change it; DELETE: remove it, cancelling its jobs
    not yet running."""

    def __init__(self, read_body, cancel_jobs):
        super().__init__(read_body)
        self._cancel_jobs = cancel_jobs  # (Slurm job ids) -> the reason it failed, or None

    def on_get(self, req, resp, queue):
        resp.media = queue_view(allocations.get_queue(req.context.principal, queue))

    def on_patch(self, req, resp, queue):
        body = self._read_body(req)
        bodies.only_keys(body, {'paused', *LIMITS})
        paused = bodies.optional(body, 'paused', bodies.boolean)
        limits = {key: limit(body, key) for key in LIMITS if key in body}
        resp.media = queue_view(allocations.change_queue(req.context.principal, queue,
                                                         paused=paused, limits=limits))

    def on_delete(self, req, resp, queue):
        pending = allocations.remove_queue(req.context.principal, queue)
        resp.media = {'name': queue, 'cancelled_jobs': pending,
                      'cancel_error': self._cancel_jobs(pending) if pending else None}


class AllocationJobs:
    """GET /farm/v1/allocations/{queue}/jobs: the Slurm jobs it submitted, newest first."""

    def on_get(self, req, resp, queue):
        count = bodies.query_integer(req, 'limit', 100, minimum=1, maximum=MAX_JOBS_LISTED)
        resp.media = {'jobs': [
            {'slurm_job_id': job.slurm_job_id, 'state': job.state, 'reason': job.reason,
             'submitted_at': instant(job.submitted_at), 'started_at': instant(job.started_at),
             'ended_at': instant(job.ended_at)}
            for job in allocations.queue_jobs(req.context.principal, queue, count)]}


