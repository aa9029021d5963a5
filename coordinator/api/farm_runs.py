"""Runs and their tasks over /farm/v1/ for people and their tools: create, list, inspect, cancel, restart.

The dashboard and the `farm` command read everything here in one request per
screen or command: lists are paged, and rates come from per-minute counters.
"""

import time

import falcon

from coordinator.api import bodies
from coordinator.api.farm_json import instant, run_view, task_view
from coordinator.errors import InvalidInput
from coordinator.models import MAX_TASKS
from coordinator.store import activity, overview, run_tasks, runs, task_views, worker_views

MAX_PAGE = 1000
MAX_ARGS = 256
_DAY_S = 86_400.0


def _policy(body: dict) -> runs.Policy:
    """The policy fields sent (null is refused, absent means the default)."""
    values = {key: bodies.optional(body, key, bodies.number, 0, 365 * _DAY_S)
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


def _view(status: runs.RunStatus, now: float) -> dict:
    """One run as people see it, with its rate and its workers read alongside."""
    rate = activity.run_rates({status.id: status.started_at}, now)[status.id]
    workers = worker_views.workers_of_runs([status.id]).get(status.id, (0, None))
    return run_view(status, rate, now, workers)


class Runs:
    """GET /farm/v1/runs?state=&limit=&offset= (newest first) and POST to create one (201)."""

    def __init__(self, read_body: bodies.JsonObjectReader):
        self._read_body = read_body

    def on_get(self, req, resp):
        state = bodies.query_choice(req, 'state', ('active', 'finished', 'all'))
        finished = {'active': False, 'finished': True}.get(state)
        limit = bodies.query_integer(req, 'limit', 100, minimum=1, maximum=MAX_PAGE)
        offset = bodies.query_integer(req, 'offset', 0, minimum=0, maximum=MAX_TASKS)
        now = time.time()
        total, page = runs.list_statuses(req.context.principal, finished, limit, offset)
        rates = activity.run_rates({status.id: status.started_at for status in page}, now)
        workers = worker_views.workers_of_runs([status.id for status in page])
        resp.media = {'now': instant(now), 'total': total, 'runs': [
            run_view(status, rates[status.id], now, workers.get(status.id, (0, None)))
            for status in page]}

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, {'num_tasks', 'name', 'command', 'inputs', 'max_tries',
                                'retry_delay_s', 'task_timeout_s', 'expected_duration_s'})
        num_tasks, recipe = _recipe(body)
        principal = req.context.principal
        run = runs.create_run(principal, num_tasks, policy=_policy(body), recipe=recipe)
        resp.status = falcon.HTTP_201
        resp.media = _view(runs.run_status(principal, run.uuid), time.time())


class Run:
    """GET /farm/v1/runs/{uuid}: progress, policy, rate and ETA; DELETE: remove it (204)."""

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


class Tasks:
    """GET /farm/v1/runs/{uuid}/tasks?status=&after=&limit=: a page of tasks in number order."""

    def on_get(self, req, resp, uuid):
        status = bodies.query_choice(req, 'status', tuple(task_views.VIEW_STATES))
        after = bodies.query_integer(req, 'after', -1, minimum=-1, maximum=MAX_TASKS)
        limit = bodies.query_integer(req, 'limit', 100, minimum=1, maximum=MAX_PAGE)
        page, next_after = task_views.list_tasks(req.context.principal, uuid.hex, status, after,
                                                 limit)
        now = time.time()
        resp.media = {'now': instant(now), 'tasks': [task_view(task, now) for task in page],
                      'next_after': next_after}


class Task:
    """GET /farm/v1/runs/{uuid}/tasks/{number}: one task with its log tail."""

    def on_get(self, req, resp, uuid, number):
        task = task_views.task_detail(req.context.principal, uuid.hex, number)
        resp.media = task_view(task, time.time(), detail=True)


class TaskCancel:
    """POST /farm/v1/runs/{uuid}/tasks/{number}/cancel: 409 when it has already finished."""

    def on_post(self, req, resp, uuid, number):
        principal = req.context.principal
        run_tasks.cancel_task(principal, uuid.hex, number)
        resp.media = task_view(task_views.task_detail(principal, uuid.hex, number), time.time())


class Overview:
    """GET /farm/v1/overview: totals, throughput history, workers and the longest wait."""

    def on_get(self, req, resp):
        view = overview.overview(req.context.principal)
        oldest = view.oldest_waiting
        resp.media = {
            'now': instant(view.now), 'tasks': view.tasks, 'runs': view.runs,
            'workers': view.workers, 'rate_per_s': view.rate_per_s,
            'done_per_minute': view.done_per_minute, 'failed_last_hour': view.failed_last_hour,
            'oldest_waiting': oldest and {'run': oldest[0], 'name': oldest[1],
                                          'since': instant(oldest[2])}}


def add_routes(app: falcon.App, config) -> None:
    """Mount runs, tasks and the overview under /farm/v1/."""
    app.add_route('/farm/v1/overview', Overview())
    app.add_route('/farm/v1/runs', Runs(bodies.JsonObjectReader(config.max_run_body_bytes)))
    app.add_route('/farm/v1/runs/{uuid:uuid}', Run())
    restart_body = bodies.JsonObjectReader(config.max_body_bytes, optional=True)  # none: all=false
    app.add_route('/farm/v1/runs/{uuid:uuid}/restart', RunRestart(restart_body))
    app.add_route('/farm/v1/runs/{uuid:uuid}/cancel', RunCancel())
    app.add_route('/farm/v1/runs/{uuid:uuid}/tasks', Tasks())
    app.add_route('/farm/v1/runs/{uuid:uuid}/tasks/{number:int(min=0)}', Task())
    app.add_route('/farm/v1/runs/{uuid:uuid}/tasks/{number:int(min=0)}/cancel', TaskCancel())
