"""OpenAPI path of the schedules (/farm/v1/schedules): every family's, the next to fire first."""

from coordinator.openapi.helpers import (BOOL, INSTANT, INT, STR, array, nullable, operation,
                                         record, response)

_SCHEDULE = record({
    'id': {'type': 'string', 'description': "its id in its family's API"},
    'family': {'type': 'string', 'enum': ['ndscheduler', 'ironworker']},
    'name': nullable(STR),
    'job_type': nullable({'type': 'string', 'description': "'name version' of what each "
                                                            'firing queues; null once deleted'}),
    'kind': {'type': 'string', 'enum': ['cron', 'interval']},
    'when': {'type': 'string', 'description': "the cron fields that are not '*', or 'every N s'"},
    'timezone': nullable(STR),
    'is_paused': BOOL,
    'next_fire_at': nullable({**INSTANT, 'description': 'null while paused or once finished'}),
    'last_fire_at': nullable(INSTANT),
    'run_count': INT,
    'last_state': nullable({'type': 'string', 'description': 'the state of the task its last '
                                                             'firing queued'})})

PATHS = {
    '/farm/v1/schedules': {'get': operation(
        "Your project's schedules of every API family (ndscheduler's cron jobs, IronWorker's "
        'schedules): the next to fire first, paused and finished ones last',
        {200: response('the schedules', record({'now': INSTANT,
                                                'schedules': array(_SCHEDULE)}))})},
}
