"""OpenAPI path of the queue (/farm/v1/queue): queued work by job type and priority."""

from coordinator.openapi.helpers import (BOOL, INSTANT, INT, STR, array, operation, record,
                                         response)

_GROUP = record({
    'job_type': record({'id': INT, 'name': STR, 'version': STR, 'is_paused': BOOL,
                        'is_active': BOOL}),
    'priority': {'type': 'integer', 'description': "higher is handed out first; a run's tasks "
                                                   'wait at 0'},
    'queued': {'type': 'integer', 'description': 'tasks waiting, delayed ones too'},
    'available_now': {'type': 'integer', 'description': 'those that may be handed out now (no '
                                                        'delay left; a paused type still waits)'},
    'oldest_queued_at': {**INSTANT, 'description': 'since when the longest of them waits'}})

PATHS = {
    '/farm/v1/queue': {'get': operation(
        "Your project's queued work of every API family by job type and priority (a run's "
        'tasks under its type, those never handed out too): the highest priority first, then '
        'by type name',
        {200: response('the queue', record({
            'now': INSTANT, 'queue': array(_GROUP),
            'total': record({'queued': INT, 'available_now': INT})}))})},
}
