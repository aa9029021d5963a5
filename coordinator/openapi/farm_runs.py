"""OpenAPI paths of runs, tasks, workers, the overview and tokens under /farm/v1/."""

from coordinator.api.farm_runs import MAX_ARGS, MAX_PAGE
from coordinator.models import DEFAULT_MAX_TRIES, MAX_TASKS
from coordinator.openapi.farm_schemas import TASK_STATES, WORKER_STATES
from coordinator.openapi.helpers import (INSTANT, INT, NUM, RUN_UUID, STR, TASK_NUMBER, array,
                                         closed, error, integer, nullable, number, operation,
                                         query_param, record, ref, response, text)
from coordinator.store.access import Scope

_BAD_QUERY = error('a query parameter has the wrong type or range')
_FORBIDDEN = error('the token may not change runs (worker scope)')
_NOT_FOUND = error('unknown run or task')
_RUN = {200: response('the run', ref('FarmRunView')), 403: _FORBIDDEN, 404: _NOT_FOUND}
_SECONDS = number(0, 365 * 86_400)
_ARGUMENT = text(64 * 1024, empty_ok=True)
_RUN_BODY = closed({
    'num_tasks': integer(1, MAX_TASKS, description='optional when inputs are sent, else equal '
                                                   'to their number'),
    'name': text(128),
    'command': array(_ARGUMENT, 1, MAX_ARGS, description='argv template: {task} is the task '
                     'number, {line} its input (which needs inputs); command[0] is not empty'),
    'inputs': array(_ARGUMENT, 1, MAX_TASKS, description='one per task, given to it as {line}'),
    'max_tries': integer(1, 100, default=DEFAULT_MAX_TRIES),
    'retry_delay_s': _SECONDS, 'task_timeout_s': _SECONDS, 'expected_duration_s': _SECONDS},
    anyOf=[{'required': ['num_tasks']}, {'required': ['inputs']}])


def _page(name: str, schema: str, **extra) -> dict:
    return record({'now': INSTANT, name: array(ref(schema)), **extra})


def _limit() -> dict:
    return query_param('limit', integer(1, MAX_PAGE, default=100), 'page size')


def _paging() -> list:
    return [_limit(), query_param('offset', integer(0, MAX_TASKS, default=0), 'rows to skip')]


PATHS = {
    '/farm/v1/runs': {
        'get': operation(
            'Runs, newest first, with counts, rate and ETA',
            {200: response('a page of runs', _page('runs', 'FarmRunView', total=INT)),
             400: _BAD_QUERY},
            parameters=[query_param('state', {'type': 'string', 'enum': ['active', 'finished',
                                                                         'all']}, 'default all'),
                        *_paging()]),
        'post': operation(
            'Create a run: its size, what it runs, its retry and timing policy',
            {201: response('created', ref('FarmRunView')),
             403: error('a worker token, or one bound to a run, may not create runs'),
             413: error('the body is larger than FARM_MAX_RUN_BODY_BYTES')},
            body=_RUN_BODY)},
    '/farm/v1/runs/{uuid}': {
        'get': operation('A run with its progress, policy, rate and ETA',
                         {200: _RUN[200], 404: _NOT_FOUND}, parameters=[RUN_UUID]),
        'delete': operation('Delete a run and its tasks',
                            {204: response('deleted'), 403: _FORBIDDEN, 404: _NOT_FOUND},
                            parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/restart': {'post': operation(
        'Unfinished tasks (or all, with all=true) wait again with fresh tries', _RUN,
        body=closed({'all': {'type': 'boolean', 'default': False}}), body_required=False,
        parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/cancel': {'post': operation(
        'Cancel every unfinished task; agents running them stop them at their next heartbeat',
        _RUN, parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/tasks': {'get': operation(
        'Tasks in number order; pass next_after as after for the next page (null: no more)',
        {200: response('a page of tasks', _page('tasks', 'FarmTask',
                                                next_after=nullable(INT))),
         400: _BAD_QUERY, 404: _NOT_FOUND},
        parameters=[RUN_UUID,
                    query_param('status', {'type': 'string', 'enum': TASK_STATES}, 'filter'),
                    query_param('after', integer(-1, MAX_TASKS, default=-1),
                                'list tasks numbered above this'),
                    _limit()])},
    '/farm/v1/runs/{uuid}/tasks/{number}': {'get': operation(
        'One task with its log tail', {200: response('the task', ref('FarmTaskDetail')),
                                       404: _NOT_FOUND}, parameters=[RUN_UUID, TASK_NUMBER])},
    '/farm/v1/runs/{uuid}/tasks/{number}/cancel': {'post': operation(
        'Cancel one task', {200: response('the task', ref('FarmTask')), 403: _FORBIDDEN,
                            404: _NOT_FOUND, 409: error('it already finished')},
        parameters=[RUN_UUID, TASK_NUMBER])},
    '/farm/v1/overview': {'get': operation(
        'Totals by state, throughput of the last 30 minutes, workers, the longest wait',
        {200: response('the overview', record({
            'now': INSTANT, 'tasks': record({state: INT for state in TASK_STATES}),
            'runs': record({'active': INT, 'finished': INT, 'total': INT}),
            'workers': record({state: INT for state in WORKER_STATES}),
            'rate_per_s': NUM, 'failed_last_hour': INT,
            'done_per_minute': array(INT, 30, 30, description='tasks done per minute over the '
                                                              'last 30, oldest first'),
            'oldest_waiting': nullable(record({'run': STR, 'name': nullable(STR),
                                               'since': INSTANT}))}))})},
    '/farm/v1/tokens': {'post': operation(
        'A lasting token for the caller (shown once); never more power than the credential used',
        {201: response('created', record({'token': STR, 'scope': STR, 'run': nullable(STR)})),
         403: error('a worker or run-bound token may not create tokens; only an admin may '
                    'create an admin token'),
         404: error('no such run in the caller\'s project')},
        body=closed({'scope': {'type': 'string', 'enum': [scope.value for scope in Scope],
                               'default': Scope.USER.value},
                     'run': text(32, description='bind the token to one run')}))},
}

WORKERS_GET = operation(
    'Workers, alive first, with resources, heartbeat, walltime and current tasks',
    {200: response('a page of workers', _page('workers', 'FarmWorker', total=INT)),
     400: _BAD_QUERY},
    parameters=[query_param('state', {'type': 'string', 'enum': ['alive', 'lost', 'all']},
                            'alive: idle, busy or draining; lost: lost or stopped'), *_paging()])
