"""OpenAPI paths and schemas of the farmworker protocol (/farm/v1/)."""

from coordinator.openapi.farm_runs import WORKERS_GET
from coordinator.openapi.helpers import obj, operation, path_param, ref, response

_INT = {'type': 'integer'}
_NUM = {'type': 'number'}
_STR = {'type': 'string'}
_SECONDS = {'type': 'number', 'minimum': 0}
_ERROR = obj({'msg': _STR}, ('msg',))
_RUN_UUID = path_param('uuid', _STR, 'the run UUID (32 hex digits)')
_WORKER_UUID = path_param('uuid', _STR, 'the worker uuid the agent registered')
_BAD = response('malformed body or a value of the wrong type or range', _ERROR)
_NOT_FOUND = response('unknown run or worker', _ERROR)
_PAIRS = {'type': 'array', 'description': '[number, attempt] pairs',
          'items': {'type': 'array', 'items': _INT, 'minItems': 2, 'maxItems': 2}}
_GONE = response('the worker was declared lost or stopped: register again', _ERROR)

SCHEMAS = {
    'FarmRun': obj({
        'uuid': _STR, 'name': {'type': 'string', 'nullable': True},
        'command': {'type': 'array', 'items': _STR, 'nullable': True,
                    'description': 'argv template; {task} is the task number, {line} its input'},
        'has_inputs': {'type': 'boolean'}, 'num_tasks': _INT,
        'waiting': _INT, 'running': _INT, 'done': _INT, 'failed': _INT, 'cancelled': _INT,
        'percent_done': _NUM, 'max_tries': _INT, 'retry_delay_s': _NUM,
        'task_timeout_s': {'type': 'number', 'nullable': True},
        'expected_duration_s': {'type': 'number', 'nullable': True}}),
    'FarmResult': obj({
        'number': _INT, 'attempt': {'type': 'integer', 'minimum': 1,
                                    'description': 'the attempt the task was claimed with'},
        'outcome': {'type': 'string', 'enum': ['running', 'complete', 'failed', 'timeout',
                                               'released'],
                    'description': 'running: progress only; failed/timeout: retried while the '
                                   "run's max_tries allow; released: handed back, no try used"},
        'percent': {'type': 'number', 'minimum': 0, 'maximum': 100},
        'exit_code': _INT, 'msg': _STR,
        'log_tail': {'type': 'string', 'description': 'the last 64 KiB of the log are kept'}},
        ('number', 'attempt', 'outcome')),
    'FarmReceipt': obj({
        'accepted': {'type': 'array', 'items': _INT},
        'refused': {'type': 'array', 'items': obj({'number': _INT, 'attempt': _INT,
                                                   'reason': _STR})}}),
}

PATHS = {
    '/farm/v1/runs/{uuid}/claim': {'post': operation(
        'Claim up to max_tasks tasks (also a heartbeat); an empty list when none is waiting now. '
        'Results sent along are applied first and answered in receipt',
        {200: response('claimed tasks and the run', obj({
            'tasks': {'type': 'array', 'items': obj({
                'number': _INT, 'attempt': _INT, 'percent': _NUM,
                'input': {'type': 'string', 'description': 'the task\'s input line, when the run '
                                                           'has inputs'}})},
            'run': ref('FarmRun'), 'receipt': ref('FarmReceipt')})), 400: _BAD, 404: _NOT_FOUND,
         409: _GONE},
        body=obj({'worker_uuid': _STR, 'max_tasks': {'type': 'integer', 'minimum': 1,
                                                     'maximum': 1000},
                  'results': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                              'items': ref('FarmResult')}},
                 ('worker_uuid', 'max_tasks')), parameters=[_RUN_UUID])},
    '/farm/v1/runs/{uuid}/results': {'post': operation(
        'Report results of claimed attempts (also a heartbeat)',
        {200: response('at least one result applied', ref('FarmReceipt')), 400: _BAD,
         404: _NOT_FOUND, 409: response('every result refused (stale attempts), or the worker '
                                        'is gone', ref('FarmReceipt'))},
        body=obj({'worker_uuid': _STR, 'results': {'type': 'array', 'minItems': 1,
                                                   'maxItems': 1000, 'items': ref('FarmResult')}},
                 ('worker_uuid', 'results')), parameters=[_RUN_UUID])},
    '/farm/v1/workers': {'get': WORKERS_GET, 'post': operation(
        'Register an agent with its resources (again, to come back after being declared lost)',
        {201: response('registered', obj({'id': _INT, 'uuid': _STR, 'worker_ttl_s': _NUM,
                                          'heartbeat_s': _NUM})), 400: _BAD,
         409: response('uuid taken by another project', _ERROR)},
        body=obj({'uuid': _STR, 'hostname': _STR, 'pid': _INT, 'slots': {'type': 'integer',
                                                                         'minimum': 1},
                  'cpus': _INT, 'memory_bytes': _INT, 'slurm_job_id': _STR, 'load': _NUM,
                  'walltime_end_at': {'type': 'number', 'description': 'epoch seconds, UTC'}},
                 ('uuid', 'hostname', 'pid', 'slots')))},
    '/farm/v1/workers/{uuid}/heartbeat': {'post': operation(
        'The agent is alive; draining: it claims nothing more. Of the tasks it says it runs, '
        'the reply names those to stop (cancelled, restarted or reassigned)',
        {200: response('recorded', obj({'ok': {'type': 'boolean'}, 'stop': _PAIRS})), 400: _BAD,
         404: _NOT_FOUND, 409: _GONE},
        body=obj({'load': _NUM, 'memory_bytes': _INT, 'draining': {'type': 'boolean'},
                  'run': _STR, 'running': _PAIRS}),
        parameters=[_WORKER_UUID])},
    '/farm/v1/workers/{uuid}/tasks': {'get': operation(
        'The tasks the worker holds now (to reconcile after a claim whose answer was lost)',
        {200: response('held tasks', obj({'tasks': {'type': 'array', 'items': obj({
            'run': _STR, 'number': _INT, 'attempt': _INT})}})), 404: _NOT_FOUND},
        parameters=[_WORKER_UUID])},
    '/farm/v1/workers/{uuid}/stop': {'post': operation(
        'The agent leaves; tasks it still holds go back to the queue without using a try',
        {200: response('stopped', obj({'handed_back': _INT})), 400: _BAD, 404: _NOT_FOUND},
        body=obj({'reason': _STR}, ('reason',)), parameters=[_WORKER_UUID])},
}
