"""OpenAPI paths of "why is it waiting?" for a task by id and for a run's task by number."""

from coordinator.openapi.farm.runs import NOT_FOUND
from coordinator.openapi.helpers import (BOOL, INT, RUN_UUID, STR, TASK_NUMBER, array, error,
                                         integer, nullable, operation, path_param, record,
                                         response)

_WAITING = response('its state and, when it is queued, why it is not handed out', record({
    'status': STR, 'waiting': {**BOOL, 'description': 'true when it is queued'},
    'reasons': array(STR, description='each reason it is not handed out now; empty when it is '
                                      'in line (or not waiting)'),
    'ahead': nullable({**INT, 'description': 'queued work in line: tasks of its type handed out '
                                             'before it (counted up to 10001)'})}))
_SUMMARY = ('Why a task waits: its job type paused, inactive or at max_scheduled, a retry delay, '
            'no live agent serving it, or no agent with the walltime left to run it')

PATHS = {
    '/farm/v1/tasks/{task_id}/explain': {'get': operation(
        _SUMMARY, {200: _WAITING, 404: error('no such task in the project')},
        parameters=[path_param('task_id', integer(1, 2**31 - 1), 'the task id')])},
    '/farm/v1/runs/{uuid}/tasks/{number}/explain': {'get': operation(
        _SUMMARY, {200: _WAITING, 404: NOT_FOUND}, parameters=[RUN_UUID, TASK_NUMBER])},
}
