"""OpenAPI paths and schemas of the ndscheduler family, one module per resource as in
api/ndscheduler/.

Its errors are {"error": ...}, as ndscheduler's are, and an unknown id is a 400 too.
"""

from coordinator.openapi.helpers import ref, with_error_body
from coordinator.openapi.ndscheduler import executions, jobs, logs, views

SCHEMAS = views.SCHEMAS
PATHS = with_error_body({**jobs.PATHS, **executions.PATHS, **logs.PATHS}, ref('NdschedulerError'))
