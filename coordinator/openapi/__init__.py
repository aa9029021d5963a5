"""The OpenAPI 3 document served at /openapi.json, assembled from one module per API family."""

from coordinator.openapi import (farm, helpers, ironworker, login, ndscheduler, ops, scale,
                                 taskfarm)


def document(version: str) -> dict:
    return {
        'openapi': '3.0.3',
        'info': {
            'title': 'HPC Taskfarm coordinator',
            'version': version,
            'description': 'One store of work behind several REST APIs. Authenticate with HTTP '
                           'Basic (user:password, or a token as the user name with an empty '
                           'password) or `Authorization: Bearer <token>`; under /2/ '
                           '(IronWorker) `Authorization: OAuth <token>` or `?oauth=<token>` '
                           'too; or the session cookie POST /login sets. Errors are JSON '
                           '`{"msg": ...}` (`{"detail": ...}` under /v6/, '
                           '`{"error": ...}` under /api/v1/, where an unknown id is a 400 as on '
                           'ndscheduler), except that requests malformed at the HTTP level '
                           '(request line or headers too long, bad framing) get the HTML answer '
                           'of the HTTP server (gunicorn): 400, 414, 431 or 501.',
        },
        'components': {
            'securitySchemes': {
                'basic': {'type': 'http', 'scheme': 'basic'},
                'bearer': {'type': 'http', 'scheme': 'bearer'},
                **ironworker.SECURITY_SCHEMES,
            },
            'schemas': {**helpers.SCHEMAS, **taskfarm.SCHEMAS, **farm.SCHEMAS,
                        **scale.SCHEMAS, **ironworker.SCHEMAS, **ndscheduler.SCHEMAS},
        },
        'security': [{'basic': []}, {'bearer': []}],
        'paths': {**ops.PATHS, **login.PATHS, **taskfarm.PATHS, **farm.PATHS, **scale.PATHS,
                  **ironworker.PATHS, **ndscheduler.PATHS},
    }
