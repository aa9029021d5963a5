"""OpenAPI paths and schemas of the IronWorker v2 family, one module per resource as in
api/ironworker/. Its errors are {"msg": ...}; its routes also take `OAuth <token>`."""

from coordinator.openapi.ironworker import codes, projects, schedules, tasks, views


def _secured(paths: dict) -> dict:
    return {path: {method: {**op, 'security': views.SECURITY} for method, op in item.items()}
            for path, item in paths.items()}


SCHEMAS = {**views.SCHEMAS, **codes.SCHEMAS, **tasks.SCHEMAS, **schedules.SCHEMAS}
SECURITY_SCHEMES = views.SECURITY_SCHEMES
PATHS = _secured({**projects.PATHS, **codes.PATHS, **tasks.PATHS, **schedules.PATHS})
