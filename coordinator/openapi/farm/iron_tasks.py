"""OpenAPI paths of IronWorker tasks for people (/farm/v1/iron-tasks): list, cancel one."""

from coordinator.api.farm.iron_tasks import STATES
from coordinator.api.ironworker import codes
from coordinator.openapi.farm.views import BAD_QUERY, page, paging
from coordinator.openapi.helpers import (INSTANT, INT, NUM, STR, WHEN, error, nullable, operation,
                                         path_param, query_param, record, ref, response, text)
from coordinator.openapi.ironworker.views import HEX_ID

_TASK = record({
    'id': {**HEX_ID, 'description': 'its IronWorker id, as /2/ and the clients show it'},
    'task_id': {**INT, 'description': 'its id in the store, as `farm task explain ID` takes it'},
    'code_name': STR, 'code_rev': nullable(INT), 'status': {'type': 'string', 'enum': STATES},
    'priority': INT, 'label': nullable(STR),
    'attempt': {'type': 'integer', 'description': '0 for a task never handed out'},
    'failed_tries': INT, 'percent': NUM, 'msg': nullable(STR), 'created_at': INSTANT,
    'available_at': {**INSTANT, 'description': 'not handed out before (its delay)'},
    'started_at': WHEN, 'ended_at': WHEN, 'duration_s': nullable(NUM)})
SCHEMAS = {'FarmIronTask': _TASK}

PATHS = {
    '/farm/v1/iron-tasks': {'get': operation(
        "Your project's IronWorker tasks, newest first",
        {200: response('a page of tasks', page('tasks', 'FarmIronTask')), 400: BAD_QUERY},
        parameters=[query_param('code_name', text(codes.MAX_NAME, empty_ok=True),
                                'only its code package (empty: every one)'),
                    query_param('status', {'type': 'string', 'enum': list(STATES)},
                                'only tasks in this status'),
                    *paging()])},
    '/farm/v1/iron-tasks/{iron_id}/cancel': {'post': operation(
        'Cancel a queued or running IronWorker task (its agent stops a running one at its '
        'next heartbeat)',
        {200: response('the task', ref('FarmIronTask')),
         403: error('the token may not change work (worker scope)'),
         404: error('no such task in your project'), 409: error('it already finished')},
        parameters=[path_param('iron_id', HEX_ID, "the task's 24-hex IronWorker id")])},
}
