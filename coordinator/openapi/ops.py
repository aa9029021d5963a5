"""OpenAPI paths of the operational endpoints."""

from coordinator.openapi.helpers import INT, STR, header, operation, record, response

PATHS = {
    '/': {'get': operation(
        'What this server is', {200: {'description': 'an HTML page',
                                      'content': {'text/html': {'schema': STR}}}},
        public=True, database=False)},
    '/health': {'get': operation(
        'Liveness, and a real write to the database',
        {200: response('healthy: the database took a write',
                       record({'status': {'type': 'string', 'enum': ['ok']},
                               'database': {'type': 'string', 'enum': ['ok']}})),
         503: response('the database cannot take a write (unreachable, a full or read-only disk)',
                       record({'status': {'type': 'string', 'enum': ['unavailable']},
                               'database': {'type': 'string',
                                            'description': 'why, in words'}}),
                       {'Retry-After': header('seconds to wait', INT)})},
        public=True)},
    '/metrics': {'get': operation(
        'Prometheus metrics: requests, claims, reports, lease expiries, database errors, and '
        "tasks and workers by state (of the caller's projects)",
        {200: {'description': 'the Prometheus text format, version 0.0.4',
               'content': {'text/plain': {'schema': STR}}}})},
    '/openapi.json': {'get': operation('This document', {200: response('OpenAPI 3 document',
                                                                       {'type': 'object'})})},
}
