"""OpenAPI paths of the operational endpoints."""

from coordinator.openapi.helpers import obj, operation, response

PATHS = {
    '/': {'get': operation('What this server is (HTML)', {200: response('an HTML page')},
                           public=True)},
    '/health': {'get': operation(
        'Liveness and database check',
        {200: response('healthy', obj({'status': {'type': 'string'},
                                       'database': {'type': 'string'}})),
         503: response('the database does not answer')},
        public=True)},
    '/openapi.json': {'get': operation('This document', {200: response('OpenAPI 3 document',
                                                                       {'type': 'object'})})},
}
