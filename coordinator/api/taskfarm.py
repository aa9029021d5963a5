"""The taskfarm API (`/api/`), wire-compatible with taskfarm 0.4.0 and its taskfarm-worker client.

Status codes follow the peer: run and worker creation 201, a claim 201 or 204
with an empty body, task PUT / restart / DELETE 204. Errors are `{"msg": ...}`.
"""

import falcon

from coordinator.api import bodies
from coordinator.errors import InvalidInput, NotFound
from coordinator.models import MAX_TASKS
from coordinator.states import TASKFARM_NAMES, TaskfarmStatus
from coordinator.store import run_tasks, runs, users, workers

RUN_INFO = ('percentDone', 'numWaiting', 'numDone', 'numComputing')
TASK_INFO = ('status', 'percentCompleted')
_RESTART_ALL = {'true': True, 'false': False}


def task_dict(task: run_tasks.TaskView) -> dict:
    return {'id': task.id, 'task': task.number, 'percentCompleted': task.percent,
            'status': TASKFARM_NAMES[task.state].value}


def run_dict(status: runs.RunStatus) -> dict:
    return {'id': status.id, 'uuid': status.uuid, 'numTasks': status.num_tasks,
            'percentDone': status.percent_done, 'numWaiting': status.waiting,
            'numDone': status.done, 'numComputing': status.running,
            # not in taskfarm 0.4.0 (which cannot fail a task); clients ignore extra keys
            'numFailed': status.failed}


def _info(req, choices) -> str:
    info = req.get_param('info') or ''
    if info and info not in choices:
        raise NotFound(f'unknown info {info!r}; use one of {", ".join(choices)} or leave it empty')
    return info


def _pick(full: dict, info: str) -> dict:
    return {info: full[info]} if info else full


class Token:
    """GET /api/token: a fresh token for the caller (same scope), to use as the Basic user name."""

    worker_methods = frozenset({'GET'})  # what taskfarm-worker calls

    def __init__(self, token_ttl_s: float):
        self._ttl_s = token_ttl_s

    def on_get(self, req, resp):
        resp.media = {'token': users.mint_session_token(req.context.principal, self._ttl_s)}


class RunCreate(bodies.BodyResource):
    """POST /api/run {"numTasks": N}: create a run (201)."""

    def on_post(self, req, resp):
        body = self._read_body(req)
        num_tasks = bodies.integer(bodies.required(body, 'numTasks'), 'numTasks',
                                   minimum=1, maximum=MAX_TASKS)
        run = runs.create_run(req.context.principal, num_tasks)
        resp.status = falcon.HTTP_201
        resp.media = {'id': run.id, 'uuid': run.uuid, 'numTasks': run.num_tasks}


class Runs:
    """GET /api/runs: every run the caller can see."""

    def on_get(self, req, resp):
        rows = runs.list_runs(req.context.principal)
        resp.media = {'data': [{'id': i, 'uuid': u, 'numTasks': n} for i, u, n in rows]}


class Run:
    """GET /api/runs/{uuid}[?info=…]: run status; DELETE: delete the run and its tasks (204)."""

    worker_methods = frozenset({'GET'})  # what taskfarm-worker calls

    def on_get(self, req, resp, uuid):
        info = _info(req, RUN_INFO)
        resp.media = _pick(run_dict(runs.run_status(req.context.principal, uuid.hex)), info)

    def on_delete(self, req, resp, uuid):
        runs.delete_run(req.context.principal, uuid.hex)
        resp.status = falcon.HTTP_204


class RunRestart:
    """POST /api/runs/{uuid}/restart?all=True|False: requeue unfinished (or all) tasks (204)."""

    def on_post(self, req, resp, uuid):
        value = req.get_param('all') or 'False'
        if value.lower() not in _RESTART_ALL:
            raise InvalidInput(f'all must be True or False, not {value!r}')
        runs.restart_run(req.context.principal, uuid.hex, _RESTART_ALL[value.lower()])
        resp.status = falcon.HTTP_204


class TaskClaim(bodies.BodyResource):
    """POST /api/runs/{uuid}/task {"worker_uuid": …}: the next task (201) or none left (204)."""

    worker_methods = frozenset({'POST'})  # what taskfarm-worker calls

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        task = run_tasks.claim_next(req.context.principal, uuid.hex, worker_uuid)
        if task is None:
            resp.status = falcon.HTTP_204
            return
        resp.status = falcon.HTTP_201
        resp.media = task_dict(task)


class Task(bodies.BodyResource):
    """GET /api/runs/{uuid}/tasks/{n}[?info=…]: one task; PUT {percentCompleted, status} (204)."""

    worker_methods = frozenset({'GET', 'PUT'})  # what taskfarm-worker calls

    def on_get(self, req, resp, uuid, number):
        info = _info(req, TASK_INFO)
        task = run_tasks.task_view(req.context.principal, uuid.hex, number)
        resp.media = _pick(task_dict(task), info)

    def on_put(self, req, resp, uuid, number):
        body = self._read_body(req)
        bodies.only_keys(body, {'percentCompleted', 'status'})
        if not body:
            raise InvalidInput('send percentCompleted and/or status')
        run_tasks.update_task(
            req.context.principal, uuid.hex, number,
            percent=bodies.optional(body, 'percentCompleted', bodies.number, 0, 100),
            status=bodies.optional(body, 'status', bodies.choice, TaskfarmStatus),
        )
        resp.status = falcon.HTTP_204


class WorkerRegistration(bodies.BodyResource):
    """POST /api/worker {"uuid", "hostname", "pid"}: register a worker (201)."""

    worker_methods = frozenset({'POST'})  # what taskfarm-worker calls

    def on_post(self, req, resp):
        body = self._read_body(req)
        worker_uuid = bodies.text(bodies.required(body, 'uuid'), 'uuid', 64)
        hostname = bodies.text(bodies.required(body, 'hostname'), 'hostname', 255)
        pid = bodies.integer(bodies.required(body, 'pid'), 'pid', minimum=0, maximum=2**31 - 1)
        worker_id = workers.register_worker(req.context.principal, worker_uuid, hostname, pid)
        resp.status = falcon.HTTP_201
        resp.media = {'uuid': worker_uuid, 'id': worker_id}


def add_routes(app: falcon.App, config) -> None:
    """Mount the taskfarm API under /api/.

    Run ids go through Falcon's uuid converter (responders get a UUID; the store
    takes its 32-hex form), so a malformed id is an unknown path: 404, as on the peer.
    """
    read_body = bodies.JsonObjectReader(config.max_body_bytes)
    app.add_route('/api/token', Token(config.session_token_ttl_s))
    app.add_route('/api/run', RunCreate(read_body))
    app.add_route('/api/runs', Runs())
    app.add_route('/api/runs/{uuid:uuid}', Run())
    app.add_route('/api/runs/{uuid:uuid}/restart', RunRestart())
    app.add_route('/api/runs/{uuid:uuid}/task', TaskClaim(read_body))
    app.add_route('/api/runs/{uuid:uuid}/tasks/{number:int(min=0)}', Task(read_body))
    app.add_route('/api/worker', WorkerRegistration(read_body))
