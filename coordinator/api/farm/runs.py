"""Runs (/farm/v1/runs) for people and their tools: create, list, inspect, cancel, restart, delete.

The dashboard and the `farm` command read a run, or a page of runs, in one
request: rates come from per-minute counters, not from scans of tasks.
"""

import time

import falcon

from coordinator.api import bodies
from coordinator.api.farm.views import instant, paging, run_view
from coordinator.errors import InvalidInput
from coordinator.models import MAX_TASKS
from coordinator.store import activity, runs, worker_views

MAX_ARGS = 256
MAX_SECONDS = 365 * 86_400  # the longest delay, timeout or duration a run's policy may give


def _policy(body: dict) -> runs.Policy:
    """The policy fields sent (null is refused, absent means the default)."""
    values = {key: bodies.optional(body, key, bodies.number, 0, MAX_SECONDS)
              for key in ('retry_delay_s', 'task_timeout_s', 'expected_duration_s')}
    values['max_tries'] = bodies.optional(body, 'max_tries', bodies.integer, minimum=1, maximum=100)
    return runs.Policy(**{key: value for key, value in values.items() if value is not None})


def _recipe(body: dict) -> tuple[int, runs.Recipe]:
    """The number of tasks and what they run; inputs, when sent, say how many tasks there are."""
    inputs = bodies.optional(body, 'inputs', bodies.text_list, max_items=MAX_TASKS,
                             max_length=64 * 1024, empty_ok=True)
    command = bodies.optional(body, 'command', bodies.text_list, max_items=MAX_ARGS,
                              max_length=64 * 1024, empty_ok=True)
    if command is not None and not command[0]:
        raise InvalidInput('command[0], the program, must not be empty')
    if command is not None and inputs is None and any('{line}' in arg for arg in command):
        raise InvalidInput('the command uses {line}, which needs inputs (one line per task)')
    num_tasks = bodies.optional(body, 'num_tasks', bodies.integer, minimum=1, maximum=MAX_TASKS)
    if num_tasks is None and inputs is None:
        raise InvalidInput("missing field 'num_tasks' (or 'inputs', one per task)")
    if num_tasks is not None and inputs is not None and num_tasks != len(inputs):
        raise InvalidInput(f'num_tasks is {num_tasks} but {len(inputs)} inputs were sent')
    name = bodies.optional(body, 'name', bodies.text, 128)
    return num_tasks or len(inputs), runs.Recipe(name, command, inputs)


def run_request(body: dict) -> tuple[int, runs.Recipe, runs.Policy]:
    """The run a POST body (or a scheduled TaskfarmRunJob's arguments) asks for, checked."""
    bodies.only_keys(body, {'num_tasks', 'name', 'command', 'inputs', 'max_tries',
                            'retry_delay_s', 'task_timeout_s', 'expected_duration_s'})
    num_tasks, recipe = _recipe(body)
    return num_tasks, recipe, _policy(body)


def _view(status: runs.RunStatus, now: float) -> dict:
    """One run as people see it, with its rate and its workers read alongside."""
    rate = activity.run_rates({status.id: status.started_at}, now)[status.id]
    workers = worker_views.workers_of_runs([status.id]).get(status.id, (0, None))
    return run_view(status, rate, now, workers)


class Runs(bodies.BodyResource):
    """GET /farm/v1/runs?state=&limit=&offset= (newest first) and POST to create one (201)."""

    def on_get(self, req, resp):
        state = bodies.query_choice(req, 'state', ('active', 'finished', 'all'))
        finished = {'active': False, 'finished': True}.get(state)
        limit, offset = paging(req)
        now = time.time()
        total, page = runs.list_statuses(req.context.principal, finished, limit, offset)
        rates = activity.run_rates({status.id: status.started_at for status in page}, now)
        workers = worker_views.workers_of_runs([status.id for status in page])
        resp.media = {'now': instant(now), 'total': total, 'runs': [
            run_view(status, rates[status.id], now, workers.get(status.id, (0, None)))
            for status in page]}

    def on_post(self, req, resp):
        num_tasks, recipe, policy = run_request(self._read_body(req))
        principal = req.context.principal
        run = runs.create_run(principal, num_tasks, policy=policy, recipe=recipe)
        resp.status = falcon.HTTP_201
        resp.media = _view(runs.run_status(principal, run.uuid), time.time())


class Run:
    """GET /farm/v1/runs/{uuid}: progress, policy, rate and ETA; DELETE: remove it (204)."""

    worker_methods = frozenset({'GET'})  # an agent's call

    def on_get(self, req, resp, uuid):
        resp.media = _view(runs.run_status(req.context.principal, uuid.hex), time.time())

    def on_delete(self, req, resp, uuid):
        runs.delete_run(req.context.principal, uuid.hex)
        resp.status = falcon.HTTP_204


class RunRestart(bodies.BodyResource):
    """POST /farm/v1/runs/{uuid}/restart {"all": false}: unfinished (or all) tasks wait again."""

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'all'})
        everything = body.get('all', False)
        if not isinstance(everything, bool):
            raise InvalidInput('all must be true or false')
        principal = req.context.principal
        runs.restart_run(principal, uuid.hex, everything)
        resp.media = _view(runs.run_status(principal, uuid.hex), time.time())


class RunCancel:
    """POST /farm/v1/runs/{uuid}/cancel: every unfinished task is cancelled."""

    def on_post(self, req, resp, uuid):
        principal = req.context.principal
        runs.cancel_run(principal, uuid.hex)
        resp.media = _view(runs.run_status(principal, uuid.hex), time.time())
