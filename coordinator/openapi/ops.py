"""OpenAPI paths of the operational endpoints."""

from coordinator.openapi.helpers import STR, operation, record, response

PATHS = {
    '/': {'get': operation(
        'What this server is', {200: {'description': 'an HTML page',
                                      'content': {'text/html': {'schema': STR}}}},
        public=True, database=False)},
    '/health': {'get': operation(
        'Liveness and database check',
        {200: response('healthy', record({'status': {'type': 'string', 'enum': ['ok']},
                                          'database': {'type': 'string', 'enum': ['ok']}}))},
        public=True)},
    '/openapi.json': {'get': operation('This document', {200: response('OpenAPI 3 document',
                                                                       {'type': 'object'})})},
}
