"""OpenAPI paths and schemas of the taskfarm API (/api/)."""

from coordinator.api.taskfarm import RUN_INFO, TASK_INFO
from coordinator.models import MAX_TASKS
from coordinator.openapi.helpers import (INT, INT32_MAX, NUM, RUN_UUID, STR, TASK_NUMBER, array,
                                         closed, error, integer, nullable, number, obj, operation,
                                         query_param, record, ref, response, text)
from coordinator.states import TaskfarmStatus

_STATUSES = [status.value for status in TaskfarmStatus]
_NOT_FOUND = error('unknown run, task or info value')
_FORBIDDEN = error('a worker token may not change runs')
_CLAIM_GONE = error('the worker was declared lost or stopped: register it again')
_WORKER_UUID = text(64)
_RUN_STATUS = {
    'id': INT, 'uuid': STR, 'numTasks': INT, 'percentDone': NUM, 'numWaiting': INT,
    'numDone': INT, 'numComputing': INT,
    'numFailed': {'type': 'integer', 'description': 'not in taskfarm 0.4.0; clients ignore it'}}
_TASK = {'id': nullable({'type': 'integer',
                         'description': 'row id; null for a task never touched'}),
         'task': INT, 'percentCompleted': NUM, 'status': {'type': 'string', 'enum': _STATUSES}}


def _one_item(whole: str, properties: dict, names: tuple[str, ...]) -> dict:
    """The whole object, or the one item of it named by ?info=."""
    return {'oneOf': [ref(whole), obj({name: properties[name] for name in names},
                                      minProperties=1, maxProperties=1,
                                      additionalProperties=False)]}


def _info(names: tuple[str, ...], description: str) -> dict:
    return query_param('info', {'type': 'string', 'enum': ['', *names]},
                       description + '; empty for all; another value is a 404, as on the peer')


SCHEMAS = {
    'TaskfarmRun': record({'id': INT, 'uuid': STR, 'numTasks': INT}),
    'TaskfarmRunStatus': record(_RUN_STATUS),
    'TaskfarmTask': record(_TASK),
}

PATHS = {
    '/api/token': {'get': operation('A new token for the caller, to send as the Basic user name',
                                    {200: response('token', record({'token': STR}))},
                                    agent_call=True)},
    '/api/run': {'post': operation(
        'Create a run of numTasks tasks',
        {201: response('created', ref('TaskfarmRun')),
         403: error('a worker token, or one bound to a run, may not create runs')},
        body=obj({'numTasks': integer(1, MAX_TASKS)}, ('numTasks',)))},
    '/api/runs': {'get': operation(
        'Every run the caller can see',
        {200: response('runs', record({'data': array(ref('TaskfarmRun'))}))})},
    '/api/runs/{uuid}': {
        'get': operation(
            'Run status, or one item of it',
            {200: response('status', _one_item('TaskfarmRunStatus', _RUN_STATUS, RUN_INFO)),
             404: _NOT_FOUND},
            parameters=[RUN_UUID, _info(RUN_INFO, 'one item of the status')], agent_call=True),
        'delete': operation('Delete a run and its tasks',
                            {204: response('deleted'), 403: _FORBIDDEN, 404: _NOT_FOUND},
                            parameters=[RUN_UUID]),
    },
    '/api/runs/{uuid}/restart': {'post': operation(
        'Requeue the tasks not done (all=False) or every task (all=True, progress reset)',
        {204: response('restarted'), 400: error('all is neither True nor False'),
         403: _FORBIDDEN, 404: _NOT_FOUND},
        parameters=[RUN_UUID, query_param(
            'all', {'type': 'string', 'pattern': '^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])?$'},
            'True or False in any case (empty: False); True restarts done tasks too')])},
    '/api/runs/{uuid}/task': {'post': operation(
        'Claim the next task of the run for a worker',
        {201: response('claimed', ref('TaskfarmTask')), 204: response('no task left to hand out'),
         404: error('unknown run or worker'), 409: _CLAIM_GONE},
        body=obj({'worker_uuid': _WORKER_UUID}, ('worker_uuid',)), parameters=[RUN_UUID],
        agent_call=True)},
    '/api/runs/{uuid}/tasks/{number}': {
        'get': operation(
            'One task, or one item of it',
            {200: response('task', _one_item('TaskfarmTask', _TASK, TASK_INFO)),
             404: _NOT_FOUND},
            parameters=[RUN_UUID, TASK_NUMBER, _info(TASK_INFO, 'one item of the task')],
            agent_call=True),
        'put': operation(
            'Set progress and/or status (done means 100 %)',
            {204: response('updated'), 404: _NOT_FOUND,
             409: error('progress of a done task changed without a new status')},
            body=closed({'percentCompleted': number(0, 100),
                         'status': {'type': 'string', 'enum': _STATUSES}}, minProperties=1),
            parameters=[RUN_UUID, TASK_NUMBER], agent_call=True),
    },
    '/api/worker': {'post': operation(
        'Register a worker (again, for a retried request)',
        {201: response('registered', record({'uuid': STR, 'id': INT})),
         404: error('a token bound to a run: the uuid is registered for another run'),
         409: error('uuid taken by another project')},
        body=obj({'uuid': _WORKER_UUID, 'hostname': text(255), 'pid': integer(0, INT32_MAX)},
                 ('uuid', 'hostname', 'pid')), agent_call=True)},
}
