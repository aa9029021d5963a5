"""OpenAPI paths of a run's tasks (/farm/v1/runs/{uuid}/tasks): pages, one task, cancel one."""

from coordinator.models import MAX_TASKS
from coordinator.openapi.farm.runs import FORBIDDEN, NOT_FOUND
from coordinator.openapi.farm.views import BAD_QUERY, TASK_STATES, page, page_limit
from coordinator.openapi.helpers import (INT, RUN_UUID, TASK_NUMBER, error, integer, nullable,
                                         operation, query_param, ref, response)

PATHS = {
    '/farm/v1/runs/{uuid}/tasks': {'get': operation(
        'Tasks in number order; pass next_after as after for the next page (null: no more)',
        {200: response('a page of tasks', page('tasks', 'FarmTask', next_after=nullable(INT))),
         400: BAD_QUERY, 404: NOT_FOUND},
        parameters=[RUN_UUID,
                    query_param('status', {'type': 'string', 'enum': TASK_STATES}, 'filter'),
                    query_param('after', integer(-1, MAX_TASKS, default=-1),
                                'list tasks numbered above this'),
                    page_limit()])},
    '/farm/v1/runs/{uuid}/tasks/{number}': {'get': operation(
        'One task with its log tail', {200: response('the task', ref('FarmTaskDetail')),
                                       404: NOT_FOUND}, parameters=[RUN_UUID, TASK_NUMBER])},
    '/farm/v1/runs/{uuid}/tasks/{number}/cancel': {'post': operation(
        'Cancel one task', {200: response('the task', ref('FarmTask')), 403: FORBIDDEN,
                            404: NOT_FOUND, 409: error('it already finished')},
        parameters=[RUN_UUID, TASK_NUMBER])},
}
