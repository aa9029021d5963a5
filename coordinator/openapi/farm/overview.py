"""OpenAPI path of the overview (/farm/v1/overview): totals, throughput, workers, longest wait."""

from coordinator.openapi.farm.views import TASK_STATES, WORKER_STATES
from coordinator.openapi.helpers import (INSTANT, INT, NUM, STR, array, nullable, operation,
                                         record, response)

_OVERVIEW = record({
    'now': INSTANT, 'tasks': record({state: INT for state in TASK_STATES}),
    'runs': record({'active': INT, 'finished': INT, 'total': INT}),
    'workers': record({state: INT for state in WORKER_STATES}),
    'rate_per_s': NUM, 'failed_last_hour': INT,
    'done_per_minute': array(INT, 30, 30, description='tasks done per minute over the last 30, '
                                                      'oldest first'),
    'oldest_waiting': nullable(record({'run': STR, 'name': nullable(STR), 'since': INSTANT}))})

PATHS = {
    '/farm/v1/overview': {'get': operation(
        'Totals by state, throughput of the last 30 minutes, workers, the longest wait',
        {200: response('the overview', _OVERVIEW)})},
}
