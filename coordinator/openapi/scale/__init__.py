"""OpenAPI paths and schemas of the Scale v6 family, one module per resource as in api/scale/.

Its errors are {"detail": ...}, as Scale's are.
"""

from coordinator.openapi.helpers import ref, with_error_body
from coordinator.openapi.scale import (job_types, jobs, names, revisions, status, validation,
                                       views)

SCHEMAS = {**views.SCHEMAS, **status.SCHEMAS, **jobs.SCHEMAS}
PATHS = with_error_body({**job_types.PATHS, **names.PATHS, **revisions.PATHS,
                         **validation.PATHS, **status.PATHS, **jobs.PATHS}, ref('ScaleError'))
