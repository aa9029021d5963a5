"""OpenAPI paths and schemas of runs, tasks, workers, the overview and tokens under /farm/v1/."""

from coordinator.openapi.helpers import obj, operation, path_param, query_param, ref, response

_INT = {'type': 'integer'}
_NUM = {'type': 'number'}
_STR = {'type': 'string'}
_TEXT = {'type': 'string', 'nullable': True}
_WHEN = {'type': 'string', 'format': 'date-time', 'nullable': True,
         'description': 'RFC 3339, UTC'}
_SECONDS = {'type': 'number', 'minimum': 0}
_ERROR = obj({'msg': _STR}, ('msg',))
_RUN_UUID = path_param('uuid', _STR, 'the run UUID (32 hex digits)')
_NUMBER = path_param('number', {'type': 'integer', 'minimum': 0}, 'the task number')
_BAD = response('malformed body or query, or a value of the wrong type or range', _ERROR)
_FORBIDDEN = response('the token may not change runs (worker scope)', _ERROR)
_NOT_FOUND = response('unknown run or task', _ERROR)
_RUN = {200: response('the run', ref('FarmRunView')), 404: _NOT_FOUND}
_STATES = ('waiting', 'running', 'done', 'failed', 'cancelled')


def _page(name: str, schema: str, **extra) -> dict:
    return obj({'now': _WHEN, name: {'type': 'array', 'items': ref(schema)}, **extra})


def _paging(default_limit: int = 100) -> list:
    return [query_param('limit', {'type': 'integer', 'minimum': 1, 'maximum': 1000,
                                  'default': default_limit}, 'page size'),
            query_param('offset', {'type': 'integer', 'minimum': 0, 'default': 0}, 'rows to skip')]


SCHEMAS = {
    'FarmRunView': {'allOf': [ref('FarmRun'), obj({
        'state': {'type': 'string', 'enum': ['waiting', 'running', 'finished', 'cancelled']},
        'created_at': _WHEN, 'started_at': _WHEN, 'finished_at': _WHEN,
        'rate_per_s': {'type': 'number', 'description': 'tasks finished per second, last minutes'},
        'eta_s': {'type': 'number', 'nullable': True},
        'workers': {'type': 'integer', 'description': 'workers running its tasks now'},
        'walltime_left_s': {'type': 'number', 'nullable': True,
                            'description': 'until the last of those workers reaches its walltime; '
                                           'an ETA beyond it needs more workers'}})]},
    'FarmTask': obj({
        'number': _INT, 'status': {'type': 'string', 'enum': list(_STATES)}, 'attempt': _INT,
        'failed_tries': _INT, 'worker': _TEXT, 'hostname': _TEXT, 'percent': _NUM,
        'started_at': _WHEN, 'ended_at': _WHEN, 'duration_s': {'type': 'number', 'nullable': True},
        'exit_code': {'type': 'integer', 'nullable': True}, 'msg': _TEXT, 'input': _TEXT,
        'log_tail': _TEXT, 'error_category': _TEXT}),
    'FarmWorker': obj({
        'uuid': _STR, 'hostname': _STR, 'pid': _INT, 'slots': _INT, 'cpus': _INT,
        'memory_bytes': _INT, 'load': _NUM,
        'state': {'type': 'string', 'enum': ['idle', 'busy', 'draining', 'lost', 'stopped']},
        'reason': _TEXT, 'slurm_job_id': _TEXT, 'walltime_end_at': _WHEN,
        'last_heartbeat_at': _WHEN, 'created_at': _WHEN,
        'tasks': {'type': 'array', 'items': obj({'run': _STR, 'number': _INT, 'attempt': _INT})}}),
}

PATHS = {
    '/farm/v1/runs': {
        'get': operation(
            'Runs, newest first, with counts, rate and ETA',
            {200: response('a page of runs', _page('runs', 'FarmRunView', total=_INT)), 400: _BAD},
            parameters=[query_param('state', {'type': 'string', 'enum': ['active', 'finished',
                                                                         'all']}, 'default all'),
                        *_paging()]),
        'post': operation(
            'Create a run: its size, what it runs, its retry and timing policy',
            {201: response('created', ref('FarmRunView')), 400: _BAD, 403: _FORBIDDEN,
             413: response('body over FARM_MAX_RUN_BODY_BYTES', _ERROR)},
            body=obj({'num_tasks': {'type': 'integer', 'minimum': 1,
                                    'description': 'optional when inputs are sent'},
                      'name': _STR, 'command': {'type': 'array', 'items': _STR},
                      'inputs': {'type': 'array', 'items': _STR,
                                 'description': 'one per task, given to it as {line}'},
                      'max_tries': {'type': 'integer', 'minimum': 1, 'maximum': 100,
                                    'default': 3},
                      'retry_delay_s': _SECONDS, 'task_timeout_s': _SECONDS,
                      'expected_duration_s': _SECONDS}))},
    '/farm/v1/runs/{uuid}': {
        'get': operation('A run with its progress, policy, rate and ETA', _RUN,
                         parameters=[_RUN_UUID]),
        'delete': operation('Delete a run and its tasks',
                            {204: response('deleted'), 403: _FORBIDDEN, 404: _NOT_FOUND},
                            parameters=[_RUN_UUID])},
    '/farm/v1/runs/{uuid}/restart': {'post': operation(
        'Unfinished tasks (or all, with all=true) wait again with fresh tries',
        {**_RUN, 400: _BAD, 403: _FORBIDDEN}, parameters=[_RUN_UUID],
        body=obj({'all': {'type': 'boolean', 'default': False}}))},
    '/farm/v1/runs/{uuid}/cancel': {'post': operation(
        'Cancel every unfinished task; agents running them stop them at their next heartbeat',
        {**_RUN, 403: _FORBIDDEN}, parameters=[_RUN_UUID])},
    '/farm/v1/runs/{uuid}/tasks': {'get': operation(
        'Tasks in number order; pass next_after as after for the next page (null: no more)',
        {200: response('a page of tasks', _page('tasks', 'FarmTask', next_after={
            'type': 'integer', 'nullable': True})), 400: _BAD, 404: _NOT_FOUND},
        parameters=[_RUN_UUID,
                    query_param('status', {'type': 'string', 'enum': list(_STATES)}, 'filter'),
                    query_param('after', {'type': 'integer', 'minimum': -1, 'default': -1},
                                'list tasks numbered above this'),
                    _paging()[0]])},
    '/farm/v1/runs/{uuid}/tasks/{number}': {'get': operation(
        'One task with its log tail', {200: response('the task', ref('FarmTask')),
                                       404: _NOT_FOUND}, parameters=[_RUN_UUID, _NUMBER])},
    '/farm/v1/runs/{uuid}/tasks/{number}/cancel': {'post': operation(
        'Cancel one task', {200: response('the task', ref('FarmTask')), 403: _FORBIDDEN,
                            404: _NOT_FOUND, 409: response('it already finished', _ERROR)},
        parameters=[_RUN_UUID, _NUMBER])},
    '/farm/v1/overview': {'get': operation(
        'Totals by state, throughput of the last 30 minutes, workers, the longest wait',
        {200: response('the overview', obj({
            'now': _WHEN, 'tasks': obj({state: _INT for state in _STATES}),
            'runs': obj({'active': _INT, 'finished': _INT, 'total': _INT}),
            'workers': obj({state: _INT for state in
                            ('idle', 'busy', 'draining', 'lost', 'stopped')}),
            'rate_per_s': _NUM, 'failed_last_hour': _INT,
            'done_per_minute': {'type': 'array', 'items': _INT,
                                'description': 'tasks done per minute, oldest first'},
            'oldest_waiting': {'nullable': True, **obj({'run': _STR, 'name': _TEXT,
                                                        'since': _WHEN})}}))})},
    '/farm/v1/tokens': {'post': operation(
        'A lasting token for the caller (shown once); never more power than the credential used',
        {201: response('created', obj({'token': _STR, 'scope': _STR, 'run': _TEXT})),
         400: _BAD, 403: _FORBIDDEN, 404: _NOT_FOUND},
        body=obj({'scope': {'type': 'string', 'enum': ['user', 'worker', 'admin'],
                            'default': 'user'},
                  'run': {'type': 'string', 'description': 'bind the token to one run'}}))},
}

WORKERS_GET = operation(
    'Workers, alive first, with resources, heartbeat, walltime and current tasks',
    {200: response('a page of workers', _page('workers', 'FarmWorker', total=_INT)), 400: _BAD},
    parameters=[query_param('state', {'type': 'string', 'enum': ['alive', 'lost', 'all']},
                            'alive: idle, busy or draining; lost: lost or stopped'), *_paging()])
