"""The OpenAPI 3 document served at /openapi.json, assembled from one module per API family."""

from coordinator.openapi import farm, farm_runs, ops, taskfarm


def document(version: str) -> dict:
    return {
        'openapi': '3.0.3',
        'info': {
            'title': 'HPC Taskfarm coordinator',
            'version': version,
            'description': 'One store of work behind several REST APIs. Authenticate with HTTP '
                           'Basic (user:password, or a token as the user name with an empty '
                           'password) or `Authorization: Bearer <token>`.',
        },
        'components': {
            'securitySchemes': {
                'basic': {'type': 'http', 'scheme': 'basic'},
                'bearer': {'type': 'http', 'scheme': 'bearer'},
            },
            'schemas': {**taskfarm.SCHEMAS, **farm.SCHEMAS, **farm_runs.SCHEMAS},
        },
        'security': [{'basic': []}, {'bearer': []}],
        'paths': {**ops.PATHS, **taskfarm.PATHS, **farm.PATHS, **farm_runs.PATHS},
    }
