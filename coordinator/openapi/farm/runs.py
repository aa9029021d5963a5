"""OpenAPI paths of runs (/farm/v1/runs): create, list, inspect, restart, cancel, delete."""

from coordinator.api.farm.runs import MAX_ARGS, MAX_SECONDS
from coordinator.models import DEFAULT_MAX_TRIES, MAX_TASKS
from coordinator.openapi.farm.views import listing
from coordinator.openapi.helpers import (RUN_UUID, array, closed, error, integer, number,
                                         operation, ref, response, text)

FORBIDDEN = error('the token may not change runs (worker scope)')
NOT_FOUND = error('unknown run or task')
_RUN = {200: response('the run', ref('FarmRunView')), 403: FORBIDDEN, 404: NOT_FOUND}
_SECONDS = number(0, MAX_SECONDS)
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

PATHS = {
    '/farm/v1/runs': {
        'get': listing('Runs, newest first, with counts, rate and ETA', 'runs', 'FarmRunView',
                       ['active', 'finished', 'all'], 'default all'),
        'post': operation(
            'Create a run: its size, what it runs, its retry and timing policy',
            {201: response('created', ref('FarmRunView')),
             403: error('a worker token, or one bound to a run, may not create runs'),
             413: error('the body is larger than FARM_MAX_RUN_BODY_BYTES')},
            body=_RUN_BODY)},
    '/farm/v1/runs/{uuid}': {
        'get': operation('A run with its progress, policy, rate and ETA',
                         {200: _RUN[200], 404: NOT_FOUND}, parameters=[RUN_UUID],
                         agent_call=True),
        'delete': operation('Delete a run and its tasks',
                            {204: response('deleted'), 403: FORBIDDEN, 404: NOT_FOUND},
                            parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/restart': {'post': operation(
        'Unfinished tasks (or all, with all=true) wait again with fresh tries', _RUN,
        body=closed({'all': {'type': 'boolean', 'default': False}}), body_required=False,
        parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/cancel': {'post': operation(
        'Cancel every unfinished task; agents running them stop them at their next heartbeat',
        _RUN, parameters=[RUN_UUID])},
}
