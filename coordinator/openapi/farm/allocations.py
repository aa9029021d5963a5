"""OpenAPI paths of allocation queues (/farm/v1/allocations): add, list, read, change, remove,
and a queue's Slurm jobs."""

from coordinator.api.farm.allocations import (DEFAULT_IDLE_TIMEOUT_S, MAX_ARG, MAX_JOBS_LISTED,
                                              MAX_RUN, MAX_TYPE_NAME)
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, NUM, STR, WHEN, array, closed,
                                         error, integer, nullable, number, operation,
                                         path_param, query_param, record, response, text)
from coordinator.states import AllocationJobState
from coordinator.store.allocations import (MAX_SBATCH_ARGS, MAX_SERVED, NAME_PATTERN, RANGES,
                                           WORD_PATTERN)

NOT_FOUND = error('no allocation queue of that name in your project')
QUEUE_NAME = path_param('queue', STR, "the queue's name")
_WORD = nullable(text(64, pattern=f'^{WORD_PATTERN}$'))


def _limit(key: str, **extra) -> dict:
    low, high = RANGES[key]
    return (number if key == 'idle_timeout_s' else integer)(low, high, **extra)


_LIMITS = {
    'walltime_s': _limit('walltime_s', description="each job's time limit, in seconds"),
    'max_jobs': _limit('max_jobs', description='the most jobs queued and running at once'),
    'nodes': _limit('nodes', default=1, description='nodes per job, one agent on each'),
    'slots': nullable(_limit('slots', description='tasks at once per agent; null: the CPUs '
                                                  'Slurm gives it')),
    'idle_timeout_s': _limit('idle_timeout_s', default=DEFAULT_IDLE_TIMEOUT_S,
                             description='agents leave after this long with nothing to do'),
}
_NEW = closed({
    'name': text(64, pattern=f'^{NAME_PATTERN}$'),
    **_LIMITS,
    'partition': _WORD, 'account': _WORD, 'qos': _WORD,
    'sbatch_args': nullable(array(text(MAX_ARG), 0, MAX_SBATCH_ARGS,
                                  description='more sbatch options, e.g. --mem=8G')),
    'job_types': nullable(array(text(MAX_TYPE_NAME), 1, MAX_SERVED,
                                description='serve only these job types; null: every one')),
    'runs': nullable(array(text(MAX_RUN), 1, MAX_SERVED,
                           description="these runs' tasks are this queue's alone")),
}, required=('name', 'walltime_s', 'max_jobs'))
_CHANGE = closed({'paused': BOOL, **_LIMITS})
_VIEW = record({
    'name': STR, 'walltime_s': INT, 'max_jobs': INT, 'nodes': INT, 'slots': nullable(INT),
    'idle_timeout_s': NUM, 'partition': nullable(STR), 'account': nullable(STR),
    'qos': nullable(STR), 'sbatch_args': array(STR), 'job_types': nullable(array(STR)),
    'runs': nullable(array(STR)), 'paused': BOOL,
    'backoff_until': nullable({**INSTANT, 'description': 'no sbatch before, after one failed'}),
    'last_decision': nullable({'type': 'string', 'description': 'what the allocator last did '
                                                                'and why'}),
    'last_decision_at': WHEN, 'jobs_pending': INT, 'jobs_running': INT,
    'agents': {'type': 'integer', 'description': 'agents of its jobs alive now'},
    'created_by': nullable(STR), 'created_at': INSTANT})
_JOB = record({'slurm_job_id': STR,
               'state': {'type': 'string', 'enum': [state.value for state in AllocationJobState]},
               'reason': nullable(STR), 'submitted_at': INSTANT, 'started_at': WHEN,
               'ended_at': WHEN})
_ONE = {200: response('the queue', _VIEW), 404: NOT_FOUND}

PATHS = {
    '/farm/v1/allocations': {
        'get': operation("Your project's allocation queues by name, with their jobs, agents and "
                         "the allocator's last decision",
                         {200: response('the queues', record({'now': INSTANT,
                                                               'allocations': array(_VIEW)}))}),
        'post': operation(
            'Add an allocation queue: the allocator starts agents on Slurm for waiting work',
            {201: response('added', _VIEW),
             400: error('a value out of range, or a job type or run the project lacks'),
             409: error('a queue of that name exists')}, body=_NEW)},
    '/farm/v1/allocations/{queue}': {
        'get': operation('An allocation queue', _ONE, parameters=[QUEUE_NAME]),
        'patch': operation('Pause or resume a queue, or change its limits', _ONE, body=_CHANGE,
                           parameters=[QUEUE_NAME]),
        'delete': operation(
            'Remove a queue; its jobs not yet running are cancelled (running ones end when '
            'their agents leave, idle)',
            {200: response('removed', record({'name': STR, 'cancelled_jobs': array(STR),
                                              'cancel_error': nullable(STR)})),
             404: NOT_FOUND}, parameters=[QUEUE_NAME])},
    '/farm/v1/allocations/{queue}/jobs': {'get': operation(
        'The Slurm jobs a queue submitted, newest first',
        {200: response('its jobs', record({'jobs': array(_JOB)})), 400: error(
            'a query parameter has the wrong type or range'), 404: NOT_FOUND},
        parameters=[QUEUE_NAME, query_param('limit', integer(1, MAX_JOBS_LISTED, default=100),
                                            'how many')])},
}
