"""OpenAPI paths and schemas of the /farm/v1 family, one module per resource as in api/farm/."""

from coordinator.openapi.farm import (claims, overview, queue, runs, tasks, tokens, views,
                                      workers)

SCHEMAS = {**views.SCHEMAS, **claims.SCHEMAS}
PATHS = {**claims.PATHS, **workers.PATHS, **runs.PATHS, **tasks.PATHS, **overview.PATHS,
         **tokens.PATHS, **queue.PATHS}
