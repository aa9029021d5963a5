"""OpenAPI paths of audit logs (/api/v1/logs)."""

from coordinator.openapi.helpers import array, error, operation, record, ref, response
from coordinator.openapi.ndscheduler.views import time_range

PATHS = {
    '/api/v1/logs': {'get': operation(
        "What was done to your project's jobs in a time window, the newest first",
        {200: response('the audit entries', record({'logs': array(ref('NdschedulerLog'))})),
         400: error('a time is neither an ISO 8601 instant nor a duration, or the start is '
                    'after the end')},
        parameters=time_range())},
}
