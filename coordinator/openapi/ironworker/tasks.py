"""OpenAPI paths and schemas of tasks (/2/projects/{project_id}/tasks...)."""

from coordinator.api.ironworker import codes, tasks
from coordinator.openapi.helpers import (INSTANT, INT, NUM, STR, error, integer, obj,
                                         operation, path_param, query_param, ref,
                                         nullable, response, text)
from coordinator.openapi.ironworker.views import (BAD_QUERY, HEX_ID, MESSAGE, NO_PROJECT,
                                                  PROJECT_ID, listed, paging)
from coordinator.states import TaskState
from coordinator.store.queue import MAX_PAYLOAD_BYTES

_TASKS = '/2/projects/{project_id}/tasks'
_TASK = _TASKS + '/{task_id}'
TASK_ID = path_param('task_id', HEX_ID, "a task's 24-hex id")
NO_TASK = error('no such project of yours, or no such task in it')
_FORBIDDEN = error('a worker token may not change tasks')
_TOO_LARGE = error(f'a payload is larger than {MAX_PAYLOAD_BYTES} bytes, or the body than '
                   'FARM_MAX_BODY_BYTES')
_EPOCH = {**NUM, 'minimum': 0, 'maximum': codes.MAX_EPOCH_S}
PRIORITY = {'type': 'integer', 'enum': [tasks.DEFAULT_PRIORITY, 0, 1, 2, None],
             'description': "-3 or left out: the code package's default_priority"}
TIMEOUT = {'type': 'number', 'minimum': 0, 'maximum': tasks.MAX_TIMEOUT_S,
            'description': "seconds; 0 or left out: the code package's timeout, else the "
                           'maximum'}
DELAY = {'type': 'number', 'minimum': 0, 'maximum': tasks.MAX_DELAY_S,
          'description': 'seconds before the task may run'}
LABEL = text(tasks.MAX_LABEL, empty_ok=True, description='empty: none')
CODE_NAME = text(codes.MAX_NAME)
_ORDER = obj({
    'code_name': CODE_NAME,
    'payload': nullable(text(MAX_PAYLOAD_BYTES, empty_ok=True,
                             description=f'at most {MAX_PAYLOAD_BYTES} bytes (413 beyond), '
                                         'given to the task as a file')),
    **{key: nullable(schema) for key, schema in (('priority', PRIORITY), ('timeout', TIMEOUT),
                                                 ('delay', DELAY), ('label', LABEL))},
}, ('code_name',), description='unknown fields (name, cluster, sync) are ignored')
_QUEUED = obj({'msg': STR, 'tasks': {'type': 'array', 'items': obj({'id': HEX_ID}, ('id',))}},
              ('msg', 'tasks'))
_TASK_FIELDS = {
    'id': HEX_ID, 'project_id': HEX_ID, 'code_id': HEX_ID, 'code_history_id': HEX_ID,
    'code_name': STR, 'code_rev': {'type': 'string', 'description': "the revision's number"},
    'status': {'type': 'string', 'enum': [state.value for state in TaskState]},
    'created_at': INSTANT, 'updated_at': INSTANT, 'start_time': INSTANT, 'end_time': INSTANT,
    'duration': {'type': 'integer', 'description': 'milliseconds'},
    'timeout': {'type': 'integer', 'description': 'seconds'},
    'payload': STR, 'priority': INT, 'percent': integer(0, 100), 'msg': STR, 'label': STR,
    'schedule_id': HEX_ID, 'retry_count': {'type': 'integer', 'description': 'failed tries'},
    'run_times': {'type': 'integer', 'description': 'times it was handed out'},
}
SCHEMAS = {
    'IronTask': obj(_TASK_FIELDS, ('id', 'project_id', 'code_id', 'code_name', 'status',
                                   'created_at', 'updated_at', 'priority', 'percent',
                                   'retry_count', 'run_times'),
                    description='a field without a value is left out'),
    'IronQueued': _QUEUED,
    'IronTaskOrder': _ORDER,
}
_STATUS_FILTERS = [query_param(state.value, STR, f'present (whatever its value): list '
                                                 f'{state.value} tasks too')
                   for state in TaskState]
_TEXT = {'text/plain': {'schema': STR}}


def _task_op(summary: str, responses: dict, **kwargs) -> dict:
    return operation(summary, {404: NO_TASK, **responses},
                     parameters=[PROJECT_ID, TASK_ID], **kwargs)


PATHS = {
    _TASKS: {
        'get': operation(
            "The project's tasks, newest first, a page at a time: of any of the states "
            'named (all when none is), of a code package, created in a window, with a label',
            {200: listed('tasks', 'IronTask'), 400: BAD_QUERY, 404: NO_PROJECT},
            parameters=[PROJECT_ID, *paging(), *_STATUS_FILTERS,
                        query_param('code_name', STR, 'empty: any'),
                        query_param('from_time', _EPOCH, 'created at or after (epoch s)'),
                        query_param('to_time', _EPOCH, 'created at or before (epoch s)'),
                        query_param('label', STR, 'empty: any')]),
        'post': operation(
            'Queue tasks of code packages, all or none, in one transaction',
            {200: response('queued, in the order sent', ref('IronQueued')),
             400: error('a field is wrong'), 403: _FORBIDDEN,
             404: error('no such project of yours, or no such code package in it'),
             413: _TOO_LARGE},
            body=obj({'tasks': {'type': 'array', 'minItems': 1, 'maxItems': tasks.MAX_TASKS,
                                'items': ref('IronTaskOrder')}}, ('tasks',)),
            parameters=[PROJECT_ID])},
    _TASKS + '/webhook': {'post': {**operation(
        'Queue a task whose payload is the request body, whatever it is',
        {200: response('queued', obj({'id': HEX_ID, 'msg': STR}, ('id', 'msg'))),
         400: error('no code_name, a bad query value, or a body that is not UTF-8'),
         403: _FORBIDDEN, 404: error('no such project of yours, or no such code package in it'),
         413: error(f'the body is larger than {MAX_PAYLOAD_BYTES} bytes, or than '
                    'FARM_MAX_BODY_BYTES')},
        parameters=[PROJECT_ID, {**query_param('code_name', CODE_NAME, 'the code package'),
                                 'required': True},
                    query_param('priority', PRIORITY, 'as in a queue request'),
                    query_param('timeout', TIMEOUT, 'as in a queue request'),
                    query_param('delay', DELAY, 'as in a queue request'),
                    query_param('label', LABEL, 'as in a queue request')]),
        'requestBody': {'required': False, 'content': {'*/*': {'schema': {
            **STR, 'description': 'any UTF-8 text (400 otherwise), queued as the payload'}}}}}},
    _TASK: {'get': _task_op('One task', {200: response('the task', ref('IronTask'))})},
    **{_TASK + f'/{name}': {'get': _task_op(
        'What the task printed (the tail its agent kept), as text/plain whatever Accept says',
        {200: {'description': 'the log', 'content': _TEXT},
         404: error('no such task, or it has no log yet (clients retry)')})}
       for name in ('log', 'outlog')},
    _TASK + '/cancel': {'post': _task_op(
        'Cancel a queued or running task (a running one is stopped by its agent); '
        'an empty body', {200: response('{"msg": "Cancelled"}', MESSAGE), 403: _FORBIDDEN,
                          409: error('the task has already finished')})},
    _TASK + '/progress': {'post': _task_op(
        "Set a task's percent and message", {200: response('{"msg": "Progress set"}', MESSAGE),
                                              400: error('percent or msg is wrong'),
                                              403: _FORBIDDEN},
        body=obj({'percent': nullable(integer(0, 100)),
                  'msg': nullable(text(tasks.MAX_MSG_BYTES, empty_ok=True,
                                       description='at most 64 KB'))}),
        body_required=False)},
    _TASK + '/retry': {'post': _task_op(
        'Queue a finished task again, as a new task of the same code revision',
        {200: response('queued', ref('IronQueued')), 400: error('delay is wrong'),
         403: _FORBIDDEN, 409: error('the task has not finished')},
        body=obj({'delay': nullable(DELAY)}), body_required=False)},
}
