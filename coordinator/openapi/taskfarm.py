"""OpenAPI paths and schemas of the taskfarm API (/api/)."""

from coordinator.openapi.helpers import (obj, operation, path_param, query_param, ref,
                                         response)

_ERROR = obj({'msg': {'type': 'string'}}, ('msg',))
_INT = {'type': 'integer'}
_STR = {'type': 'string'}
_UUID = path_param('uuid', _STR, 'the run UUID (32 hex digits)')
_NOT_FOUND = response('unknown run, task or info value', _ERROR)
_BAD = response('malformed body or a value of the wrong type or range', _ERROR)

SCHEMAS = {
    'TaskfarmError': _ERROR,
    'TaskfarmRun': obj({'id': _INT, 'uuid': _STR, 'numTasks': _INT}, ('id', 'uuid', 'numTasks')),
    'TaskfarmRunStatus': obj({
        'id': _INT, 'uuid': _STR, 'numTasks': _INT, 'percentDone': {'type': 'number'},
        'numWaiting': _INT, 'numDone': _INT, 'numComputing': _INT, 'numFailed': _INT}),
    'TaskfarmTask': obj({
        'id': {'type': 'integer', 'nullable': True,
               'description': 'row id; null for a task never touched'},
        'task': _INT, 'percentCompleted': {'type': 'number'},
        'status': {'type': 'string', 'enum': ['waiting', 'computing', 'done']}}),
}

PATHS = {
    '/api/token': {'get': operation('A new token for the caller, to send as the Basic user name',
                                    {200: response('token', obj({'token': _STR}))})},
    '/api/run': {'post': operation(
        'Create a run of numTasks tasks', {201: response('created', ref('TaskfarmRun')), 400: _BAD},
        body=obj({'numTasks': {'type': 'integer', 'minimum': 1}}, ('numTasks',)))},
    '/api/runs': {'get': operation(
        'Every run the caller can see',
        {200: response('runs', obj({'data': {'type': 'array', 'items': ref('TaskfarmRun')}}))})},
    '/api/runs/{uuid}': {
        'get': operation(
            'Run status, or one item of it', {200: response('status', ref('TaskfarmRunStatus')),
                                              404: _NOT_FOUND},
            parameters=[_UUID, query_param('info', {'type': 'string', 'enum': [
                '', 'percentDone', 'numWaiting', 'numDone', 'numComputing']},
                'one item of the status; empty for all')]),
        'delete': operation('Delete a run and its tasks', {204: response('deleted'),
                                                           404: _NOT_FOUND},
                            parameters=[_UUID]),
    },
    '/api/runs/{uuid}/restart': {'post': operation(
        'Requeue the tasks not done (all=False) or every task (all=True, progress reset)',
        {204: response('restarted'), 400: _BAD, 404: _NOT_FOUND},
        parameters=[_UUID, query_param('all', {'type': 'string', 'enum': ['True', 'False']},
                                       'restart done tasks too')])},
    '/api/runs/{uuid}/task': {'post': operation(
        'Claim the next task of the run for a worker',
        {201: response('claimed', ref('TaskfarmTask')), 204: response('no task left to hand out'),
         400: _BAD, 404: _NOT_FOUND},
        body=obj({'worker_uuid': _STR}, ('worker_uuid',)), parameters=[_UUID])},
    '/api/runs/{uuid}/tasks/{number}': {
        'get': operation(
            'One task, or one item of it', {200: response('task', ref('TaskfarmTask')),
                                            404: _NOT_FOUND},
            parameters=[_UUID, path_param('number', {'type': 'integer', 'minimum': 0},
                                          'task number, 0-based'),
                        query_param('info', {'type': 'string', 'enum': [
                            '', 'status', 'percentCompleted']}, 'one item; empty for all')]),
        'put': operation(
            'Set progress and/or status (done means 100 %)',
            {204: response('updated'), 400: _BAD, 404: _NOT_FOUND,
             409: response('progress of a done task changed without a new status', _ERROR)},
            body=obj({'percentCompleted': {'type': 'number', 'minimum': 0, 'maximum': 100},
                      'status': {'type': 'string', 'enum': ['waiting', 'computing', 'done']}}),
            parameters=[_UUID, path_param('number', {'type': 'integer', 'minimum': 0},
                                          'task number, 0-based')]),
    },
    '/api/worker': {'post': operation(
        'Register a worker (again, for a retried request)',
        {201: response('registered', obj({'uuid': _STR, 'id': _INT})), 400: _BAD,
         409: response('uuid taken by another project', _ERROR)},
        body=obj({'uuid': _STR, 'hostname': _STR, 'pid': _INT}, ('uuid', 'hostname', 'pid')))},
}
