"""Workers (/farm/v1/workers): agents register, heartbeat, reconcile and leave; people list them.

An agent heartbeats on every claim and report; one idle for longer sends
`heartbeat` every `heartbeat_s`, which also tells it which of its tasks to stop.
"""

import json
import time

import falcon

from coordinator.api import bodies
from coordinator.api.farm.claims import MAX_ATTEMPT, MAX_BATCH, MAX_TASK_ID
from coordinator.api.farm.serve import job_type_names
from coordinator.api.farm.views import held_tasks_view, instant, paging, worker_view
from coordinator.errors import InvalidInput
from coordinator.models import MAX_TASKS
from coordinator.store import worker_views, workers

_WORKER_STATES = {'alive': worker_views.ALIVE, 'lost': worker_views.GONE, 'all': None}


def _worker_uuid(uuid: str) -> str:
    return bodies.text(uuid, 'worker uuid', 64)


def _task_pairs(value, name: str, key: str = 'number',
                maximum: int = MAX_TASKS) -> list[tuple[int, int]]:
    """[[key, attempt], ...] as checked pairs: a run's task numbers, or task ids."""
    if not isinstance(value, list) or len(value) > MAX_BATCH:
        raise InvalidInput(f'{name} must be a list of at most {MAX_BATCH} [{key}, attempt] pairs')
    pairs = []
    for index, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInput(f'{name}[{index}] must be a [{key}, attempt] pair')
        pairs.append((bodies.integer(pair[0], f'{name}[{index}][0]', minimum=0, maximum=maximum),
                      bodies.integer(pair[1], f'{name}[{index}][1]', minimum=0,
                                     maximum=MAX_ATTEMPT)))
    return pairs


def _serves(value) -> str | None:
    """What an agent works on: {"run": uuid} or {"job_types": [names] or null}, stored as JSON."""
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) != 1 or not {'run', 'job_types'} & set(value):
        raise InvalidInput('serves must be {"run": UUID} or {"job_types": [NAME, ...] or null}')
    if 'run' in value:
        return json.dumps({'run': bodies.text(value['run'], 'serves.run', 32)})
    return json.dumps({'job_types': job_type_names(value['job_types'], 'serves.job_types')})


class Workers(bodies.BodyResource):
    """POST /farm/v1/workers: register an agent (201); GET ?state=alive|lost|all: a page of them."""

    worker_methods = frozenset({'POST'})  # an agent's call

    def __init__(self, read_body, worker_ttl_s: float):
        super().__init__(read_body)
        self._worker_ttl_s = worker_ttl_s

    def on_post(self, req, resp):
        body = self._read_body(req)
        worker_uuid = bodies.text(bodies.required(body, 'uuid'), 'uuid', 64)
        resources = workers.Resources(
            slots=bodies.integer(bodies.required(body, 'slots'), 'slots', minimum=1, maximum=4096),
            cpus=bodies.optional(body, 'cpus', bodies.integer, minimum=1, maximum=1 << 20),
            memory_bytes=bodies.optional(body, 'memory_bytes', bodies.integer, minimum=0,
                                         maximum=1 << 60),
            slurm_job_id=bodies.optional(body, 'slurm_job_id', bodies.text, 64),
            walltime_end_at=bodies.optional(body, 'walltime_end_at', bodies.number, 0, 1e11),
            load=bodies.optional(body, 'load', bodies.number, 0, 1e6),
            serves=_serves(body.get('serves')))
        worker_id = workers.register_worker(
            req.context.principal, worker_uuid,
            bodies.text(bodies.required(body, 'hostname'), 'hostname', 255),
            bodies.integer(bodies.required(body, 'pid'), 'pid', minimum=0, maximum=2**31 - 1),
            resources=resources)
        resp.status = falcon.HTTP_201
        resp.media = {'id': worker_id, 'uuid': worker_uuid, 'worker_ttl_s': self._worker_ttl_s,
                      'heartbeat_s': self._worker_ttl_s / 4}

    def on_get(self, req, resp):
        wanted = bodies.query_choice(req, 'state', tuple(_WORKER_STATES))
        limit, offset = paging(req)
        now = time.time()
        total, page = worker_views.list_workers(req.context.principal,
                                                _WORKER_STATES.get(wanted), limit, offset)
        resp.media = {'now': instant(now), 'total': total,
                      'workers': [worker_view(worker) for worker in page]}


class Heartbeat(bodies.BodyResource):
    """POST /farm/v1/workers/{uuid}/heartbeat: alive (200); the reply names tasks to stop.

    Body: {load, memory_bytes, draining, run, running: [[number, attempt], ...]} from a
    run's agent, or {..., held: [[task id, attempt], ...]} from a serve agent.
    """

    worker_methods = frozenset({'POST'})  # an agent's call

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'load', 'memory_bytes', 'draining', 'run', 'running', 'held'})
        draining = body.get('draining', False)
        if not isinstance(draining, bool):
            raise InvalidInput('draining must be true or false')
        running = None
        if 'running' in body:
            run_uuid = bodies.text(bodies.required(body, 'run'), 'run', 32)
            running = (run_uuid, _task_pairs(body['running'], 'running'))
        stop = workers.heartbeat(req.context.principal, _worker_uuid(uuid),
                                 load=bodies.optional(body, 'load', bodies.number, 0, 1e6),
                                 memory_bytes=bodies.optional(body, 'memory_bytes', bodies.integer,
                                                              minimum=0, maximum=1 << 60),
                                 draining=draining, running=running,
                                 held=_task_pairs(body.get('held', []), 'held', 'task id',
                                                 MAX_TASK_ID))
        resp.media = {'ok': True, 'stop': [list(pair) for pair in stop]}


class HeldTasks:
    """GET /farm/v1/workers/{uuid}/tasks: the tasks it holds, to reconcile after a lost answer."""

    worker_methods = frozenset({'GET'})  # an agent's call

    def on_get(self, req, resp, uuid):
        held = workers.held_tasks(req.context.principal, _worker_uuid(uuid))
        resp.media = {'tasks': held_tasks_view(held)}


class Stop(bodies.BodyResource):
    """POST /farm/v1/workers/{uuid}/stop {reason}: the agent leaves; its tasks go back (200)."""

    worker_methods = frozenset({'POST'})  # an agent's call

    def on_post(self, req, resp, uuid):
        reason = bodies.text(bodies.required(self._read_body(req), 'reason'), 'reason', 255)
        handed_back = workers.stop_worker(req.context.principal, _worker_uuid(uuid), reason)
        resp.media = {'handed_back': handed_back}
