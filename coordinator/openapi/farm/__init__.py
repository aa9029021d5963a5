"""OpenAPI paths and schemas of the /farm/v1 family, one module per resource as in api/farm/."""

from coordinator.openapi.farm import (allocations, claims, explain, iron_tasks, overview, queue,
                                      runs, schedules, serve, tasks, tokens, views, workers)

SCHEMAS = {**views.SCHEMAS, **claims.SCHEMAS, **serve.SCHEMAS, **iron_tasks.SCHEMAS}
PATHS = {**claims.PATHS, **serve.PATHS, **workers.PATHS, **runs.PATHS, **tasks.PATHS,
         **overview.PATHS, **tokens.PATHS, **explain.PATHS, **queue.PATHS, **schedules.PATHS,
         **iron_tasks.PATHS, **allocations.PATHS}
