"""OpenAPI paths of workers (/farm/v1/workers): register, list, heartbeat, held tasks, stop."""

from coordinator.api.farm.claims import MAX_BATCH, MAX_TASK_ID
from coordinator.models import MAX_TASKS
from coordinator.openapi.farm.claims import GONE, NOT_FOUND
from coordinator.openapi.farm.views import HELD_TASK, listing
from coordinator.openapi.helpers import (BOOL, INT, INT32_MAX, NUM, STR, array, closed, error,
                                         integer, nullable, number, obj, operation, path_param,
                                         record, response, text)

_WORKER_UUID = path_param('uuid', text(64), 'the worker uuid the agent registered')
_PAIRS = array(array(integer(0, MAX_TASKS), 2, 2), max_items=MAX_BATCH,
               description='[number, attempt] pairs')
_STATUS = {'load': number(0, 1e6, description='the 1-minute load average'),
           'memory_bytes': integer(0, 1 << 60), 'draining': BOOL}
_SERVES = {'nullable': True, 'oneOf': [
    closed({'run': text(32)}, ('run',), description='farmworker run: this run'),
    closed({'job_types': nullable(array(text(64), 1, 100))}, ('job_types',),
           description='farmworker serve: these job types (null: every type)')],
    'description': 'what the agent works on, so a waiting task can tell that none serves it '
                   '(null: not said, as a stock client)'}
_HELD = array(array(integer(0, MAX_TASK_ID), 2, 2), max_items=MAX_BATCH,
              description='[task id, attempt] pairs: what a serve agent runs')
_HEARTBEAT = {'oneOf': [
    closed({**_STATUS, 'run': {'description': 'ignored without running'}, 'held': _HELD},
           description='alive (running these tasks, by id)'),
    closed({**_STATUS, 'run': text(32, description='the run of the tasks in running'),
            'running': _PAIRS, 'held': _HELD}, ('run', 'running'),
           description='alive, running these tasks of one run'),
]}

PATHS = {
    '/farm/v1/workers': {
        'get': listing('Workers, alive first, with resources, heartbeat, walltime and current '
                       'tasks', 'workers', 'FarmWorker', ['alive', 'lost', 'all'],
                       'alive: idle, busy or draining; lost: lost or stopped'),
        'post': operation(
            'Register an agent with its resources (again, to come back after being declared lost)',
            {201: response('registered', record({'id': INT, 'uuid': STR, 'worker_ttl_s': NUM,
                                                 'heartbeat_s': NUM})),
             404: error('a token bound to a run: the uuid is registered for another run'),
             409: error('uuid taken by another project')},
            body=obj({'uuid': text(64), 'hostname': text(255), 'pid': integer(0, INT32_MAX),
                      'slots': integer(1, 4096), 'cpus': integer(1, 1 << 20),
                      'memory_bytes': integer(0, 1 << 60), 'slurm_job_id': text(64),
                      'walltime_end_at': number(0, 1e11, description='epoch seconds, UTC'),
                      'load': _STATUS['load'], 'serves': _SERVES},
                     ('uuid', 'hostname', 'pid', 'slots')), agent_call=True)},
    '/farm/v1/workers/{uuid}/heartbeat': {'post': operation(
        'The agent is alive; draining: it claims nothing more. Of the tasks it says it runs, '
        'the reply names those to stop (cancelled, restarted or reassigned)',
        {200: response('recorded', record({'ok': BOOL, 'stop': array(
            array(INT, 2, 2), description='pairs of running or held to stop')})), 404: NOT_FOUND,
         409: GONE},
        body=_HEARTBEAT, parameters=[_WORKER_UUID], agent_call=True)},
    '/farm/v1/workers/{uuid}/tasks': {'get': operation(
        'The tasks the worker holds now (to reconcile after a claim whose answer was lost)',
        {200: response('held tasks', record({'tasks': array(HELD_TASK)})),
         400: error('the worker uuid is too long or holds a NUL'), 404: NOT_FOUND},
        parameters=[_WORKER_UUID], agent_call=True)},
    '/farm/v1/workers/{uuid}/stop': {'post': operation(
        'The agent leaves; tasks it still holds go back to the queue without using a try',
        {200: response('stopped', record({'handed_back': INT})), 404: NOT_FOUND},
        body=obj({'reason': text(255)}, ('reason',)), parameters=[_WORKER_UUID],
        agent_call=True)},
}
