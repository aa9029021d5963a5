"""OpenAPI paths and schemas of the ndscheduler family, one module per resource as in
api/ndscheduler/.

Its errors are {"error": ...}, as ndscheduler's are, and an unknown id is a 400 too.
"""

from coordinator.openapi.helpers import ref, with_error_body
from coordinator.openapi.ndscheduler import jobs, logs, views

SCHEMAS = views.SCHEMAS
PATHS = with_error_body({**jobs.PATHS, **logs.PATHS}, ref('NdschedulerError'))
