"""The farmworker protocol (`/farm/v1/`): agents register, heartbeat, claim in batches, report results.

Heartbeats ride on claims and reports; an agent idle for longer sends
`heartbeat` every `heartbeat_s`. A result carries the attempt its task was
claimed with and is refused when that attempt is no longer current, or when
it is invalid itself: one bad result never sinks the other tasks' results in
its batch.
"""

import time

import falcon

from coordinator.api import bodies
from coordinator.api.farm_json import instant, run_dict, worker_view
from coordinator.errors import InvalidInput
from coordinator.models import MAX_TASKS
from coordinator.store import dispatch, reports, runs, users, worker_views, workers
from coordinator.store.access import Scope

MAX_BATCH = 1000
_WORKER_STATES = {'alive': worker_views.ALIVE, 'lost': worker_views.GONE, 'all': None}


def _worker_uuid(uuid: str) -> str:
    return bodies.text(uuid, 'worker uuid', 64)


def _task_pairs(value, name: str) -> list[tuple[int, int]]:
    """[[number, attempt], ...] as checked pairs."""
    if not isinstance(value, list) or len(value) > MAX_BATCH:
        raise InvalidInput(f'{name} must be a list of at most {MAX_BATCH} [number, attempt] pairs')
    pairs = []
    for index, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise InvalidInput(f'{name}[{index}] must be a [number, attempt] pair')
        pairs.append((bodies.integer(pair[0], f'{name}[{index}][0]', minimum=0, maximum=MAX_TASKS),
                      bodies.integer(pair[1], f'{name}[{index}][1]', minimum=0,
                                     maximum=2**31 - 1)))
    return pairs


class Workers(bodies.BodyResource):
    """POST /farm/v1/workers: register an agent (201); GET ?state=alive|lost|all: a page of workers."""

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
            load=bodies.optional(body, 'load', bodies.number, 0, 1e6))
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
        limit = bodies.query_integer(req, 'limit', 100, minimum=1, maximum=MAX_BATCH)
        offset = bodies.query_integer(req, 'offset', 0, minimum=0, maximum=MAX_TASKS)
        now = time.time()
        total, page = worker_views.list_workers(req.context.principal,
                                                _WORKER_STATES.get(wanted), limit, offset)
        resp.media = {'now': instant(now), 'total': total,
                      'workers': [worker_view(worker) for worker in page]}


class Heartbeat(bodies.BodyResource):
    """POST /farm/v1/workers/{uuid}/heartbeat: alive (200); the reply names tasks to stop.

    Body: {load, memory_bytes, draining, run, running: [[number, attempt], ...]}.
    """

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'load', 'memory_bytes', 'draining', 'run', 'running'})
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
                                 draining=draining, running=running)
        resp.media = {'ok': True, 'stop': [list(pair) for pair in stop]}


class HeldTasks:
    """GET /farm/v1/workers/{uuid}/tasks: the tasks the worker holds now, to reconcile after a lost answer."""

    def on_get(self, req, resp, uuid):
        held = workers.held_tasks(req.context.principal, _worker_uuid(uuid))
        resp.media = {'tasks': [{'run': run, 'number': number, 'attempt': attempt}
                                for run, number, attempt in held]}


class Stop(bodies.BodyResource):
    """POST /farm/v1/workers/{uuid}/stop {reason}: the agent leaves; its tasks go back (200)."""

    def on_post(self, req, resp, uuid):
        reason = bodies.text(bodies.required(self._read_body(req), 'reason'), 'reason', 255)
        handed_back = workers.stop_worker(req.context.principal, _worker_uuid(uuid), reason)
        resp.media = {'handed_back': handed_back}


class Claim(bodies.BodyResource):
    """POST /farm/v1/runs/{uuid}/claim {worker_uuid, max_tasks, results?}: up to max_tasks tasks (200).

    Results sent along are applied first, as by /results, and answered in `receipt`:
    an agent with finished tasks and free slots needs one request, not two.
    """

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'max_tasks', 'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        count = bodies.integer(bodies.required(body, 'max_tasks'), 'max_tasks', minimum=1,
                               maximum=MAX_BATCH)
        principal = req.context.principal
        receipt = (_report(principal, uuid.hex, worker_uuid, body['results'])
                   if 'results' in body else None)
        tasks = dispatch.claim_tasks(principal, uuid.hex, worker_uuid, count, heartbeat=True)
        run = runs.run_status(principal, uuid.hex)
        claimed = [{'number': t.number, 'attempt': t.attempt, 'percent': t.percent} for t in tasks]
        if run.has_inputs:
            inputs = runs.task_inputs(run.id, [task['number'] for task in claimed])
            for task in claimed:
                task['input'] = inputs.get(task['number'])
        resp.media = {'tasks': claimed, 'run': run_dict(run)}
        if receipt:
            resp.media['receipt'] = receipt


class Results(bodies.BodyResource):
    """POST /farm/v1/runs/{uuid}/results {worker_uuid, results}: 200, or 409 when all are refused."""

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        receipt = _report(req.context.principal, uuid.hex, worker_uuid,
                          bodies.required(body, 'results'))
        resp.status = falcon.HTTP_409 if not receipt['accepted'] else falcon.HTTP_200
        resp.media = receipt


def _report(principal, run_uuid: str, worker_uuid: str, items) -> dict:
    """Apply a batch's valid results; the receipt refuses the others, each with its reason."""
    results, invalid = _results(items)
    receipt = reports.report(principal, run_uuid, worker_uuid, results)
    return {'accepted': receipt.accepted, 'refused': invalid + receipt.refused}


def _results(items) -> tuple[list[reports.Result], list[dict]]:
    """The valid results of a batch, and a refusal for each invalid one.

    A result is another task's work than its batch-mates', so one that is invalid (a
    message no database stores, a percent out of range, an unknown outcome) is refused
    alone. Only a batch whose results cannot be told apart, for want of a number and an
    attempt, is refused whole.
    """
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise InvalidInput(f'results must be a list of 1 to {MAX_BATCH} results')
    results, invalid = [], []
    for index, item in enumerate(items):
        number, attempt = _result_key(item, f'results[{index}]')
        try:
            results.append(_result(item, number, attempt))
        except InvalidInput as error:
            invalid.append({'number': number, 'attempt': attempt, 'reason': error.msg})
    return results, invalid


def _result_key(item, name: str) -> tuple[int, int]:
    """The number and attempt a result is for, which even a refusal must name."""
    if not isinstance(item, dict):
        raise InvalidInput(f'{name} must be an object')
    return (bodies.integer(bodies.required(item, 'number', f'{name}.'), f'{name}.number',
                           minimum=0, maximum=MAX_TASKS),
            bodies.integer(bodies.required(item, 'attempt', f'{name}.'), f'{name}.attempt',
                           minimum=1, maximum=2**31 - 1))


def _result(item: dict, number: int, attempt: int) -> reports.Result:
    """One result, checked field by field; InvalidInput says what is wrong with it.

    (A lone surrogate anywhere in the body was refused with the whole body, where it
    was parsed: JSON that holds one is not Unicode, so it is not one bad result.)
    """
    bodies.only_keys(item, {'number', 'attempt', 'outcome', 'percent', 'exit_code', 'msg',
                            'log_tail'})
    return reports.Result(
        number=number, attempt=attempt,
        outcome=bodies.choice(bodies.required(item, 'outcome'), 'outcome', reports.Outcome),
        percent=bodies.optional(item, 'percent', bodies.number, 0, 100),
        exit_code=bodies.optional(item, 'exit_code', bodies.integer, minimum=-255, maximum=255),
        msg=bodies.optional(item, 'msg', bodies.text, 4096, empty_ok=True),
        log_tail=bodies.optional(item, 'log_tail', bodies.text, reports.LOG_TAIL_CHARS,
                                 empty_ok=True),
    )


class Tokens(bodies.BodyResource):
    """POST /farm/v1/tokens {scope: user|worker, run}: a lasting token for the caller, shown once (201)."""

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, {'scope', 'run'})
        scope = bodies.choice(body.get('scope', 'user'), 'scope', Scope)
        run_uuid = bodies.optional(body, 'run', bodies.text, 32)
        token = users.create_own_token(req.context.principal, scope, run_uuid)
        resp.status = falcon.HTTP_201
        resp.media = {'token': token, 'scope': scope.value, 'run': run_uuid}


def add_routes(app: falcon.App, config) -> None:
    """Mount the farmworker protocol and token creation under /farm/v1/."""
    read_body = bodies.JsonObjectReader(config.max_body_bytes)
    app.add_route('/farm/v1/tokens', Tokens(read_body))
    app.add_route('/farm/v1/runs/{uuid:uuid}/claim', Claim(read_body))
    app.add_route('/farm/v1/runs/{uuid:uuid}/results', Results(read_body))
    app.add_route('/farm/v1/workers', Workers(read_body, config.worker_ttl_s))
    app.add_route('/farm/v1/workers/{uuid}/heartbeat', Heartbeat(read_body))
    app.add_route('/farm/v1/workers/{uuid}/stop', Stop(read_body))
    app.add_route('/farm/v1/workers/{uuid}/tasks', HeldTasks())
