"""OpenAPI paths of the farmworker protocol (/farm/v1/): register, claim, report, heartbeat."""

from coordinator.api.farm import MAX_BATCH
from coordinator.models import MAX_TASKS
from coordinator.openapi.farm_runs import WORKERS_GET
from coordinator.openapi.farm_schemas import HELD_TASK
from coordinator.openapi.helpers import (BOOL, ERROR, INT, INT32_MAX, NUM, RUN_UUID, STR, array,
                                         closed, error, integer, number, obj, operation, path_param,
                                         record, ref, response, text)

_WORKER_UUID = path_param('uuid', text(64), 'the worker uuid the agent registered')
_NOT_FOUND = error('unknown run or worker')
_GONE = error('the worker was declared lost or stopped: register again')
_PAIRS = array(array(integer(0, MAX_TASKS), 2, 2), max_items=MAX_BATCH,
               description='[number, attempt] pairs')
_RESULTS = array(ref('FarmResult'), 1, MAX_BATCH)
_STATUS = {'load': number(0, 1e6, description='the 1-minute load average'),
           'memory_bytes': integer(0, 1 << 60), 'draining': BOOL}
_HEARTBEAT = {'oneOf': [
    closed({**_STATUS, 'run': {'description': 'ignored without running'}},
           description='alive'),
    closed({**_STATUS, 'run': text(32, description='the run of the tasks in running'),
            'running': _PAIRS}, ('run', 'running'),
           description='alive, running these tasks of one run'),
]}
_CLAIMED = record({'number': INT, 'attempt': INT, 'percent': NUM,
                   'input': {'type': 'string', 'description': 'its line of the inputs, sent when '
                                                              'the run has inputs'}},
                  optional=('input',))

PATHS = {
    '/farm/v1/runs/{uuid}/claim': {'post': operation(
        'Claim up to max_tasks tasks (also a heartbeat); an empty list when none is waiting now. '
        'Results sent along are applied first and answered in receipt',
        {200: response('claimed tasks and the run', record({
            'tasks': array(_CLAIMED), 'run': ref('FarmRun'),
            'receipt': ref('FarmReceipt')}, optional=('receipt',))),
         404: _NOT_FOUND, 409: _GONE},
        body=closed({'worker_uuid': text(64), 'max_tasks': integer(1, MAX_BATCH),
                     'results': _RESULTS}, ('worker_uuid', 'max_tasks')),
        parameters=[RUN_UUID])},
    '/farm/v1/runs/{uuid}/results': {'post': operation(
        'Report results of claimed attempts (also a heartbeat)',
        {200: response('at least one result applied', ref('FarmReceipt')), 404: _NOT_FOUND,
         409: response('every result refused (stale attempts), or the worker is gone',
                       {'oneOf': [ref('FarmReceipt'), ERROR]})},
        body=closed({'worker_uuid': text(64), 'results': _RESULTS}, ('worker_uuid', 'results')),
        parameters=[RUN_UUID])},
    '/farm/v1/workers': {'get': WORKERS_GET, 'post': operation(
        'Register an agent with its resources (again, to come back after being declared lost)',
        {201: response('registered', record({'id': INT, 'uuid': STR, 'worker_ttl_s': NUM,
                                             'heartbeat_s': NUM})),
         404: error('a token bound to a run: the uuid is registered for another run'),
         409: error('uuid taken by another project')},
        body=obj({'uuid': text(64), 'hostname': text(255), 'pid': integer(0, INT32_MAX),
                  'slots': integer(1, 4096), 'cpus': integer(1, 1 << 20),
                  'memory_bytes': integer(0, 1 << 60), 'slurm_job_id': text(64),
                  'walltime_end_at': number(0, 1e11, description='epoch seconds, UTC'),
                  'load': _STATUS['load']}, ('uuid', 'hostname', 'pid', 'slots')))},
    '/farm/v1/workers/{uuid}/heartbeat': {'post': operation(
        'The agent is alive; draining: it claims nothing more. Of the tasks it says it runs, '
        'the reply names those to stop (cancelled, restarted or reassigned)',
        {200: response('recorded', record({'ok': BOOL, 'stop': _PAIRS})), 404: _NOT_FOUND,
         409: _GONE},
        body=_HEARTBEAT, parameters=[_WORKER_UUID])},
    '/farm/v1/workers/{uuid}/tasks': {'get': operation(
        'The tasks the worker holds now (to reconcile after a claim whose answer was lost)',
        {200: response('held tasks', record({'tasks': array(HELD_TASK)})),
         400: error('the worker uuid is too long or holds a NUL'), 404: _NOT_FOUND},
        parameters=[_WORKER_UUID])},
    '/farm/v1/workers/{uuid}/stop': {'post': operation(
        'The agent leaves; tasks it still holds go back to the queue without using a try',
        {200: response('stopped', record({'handed_back': INT})), 404: _NOT_FOUND},
        body=obj({'reason': text(255)}, ('reason',)), parameters=[_WORKER_UUID])},
}
