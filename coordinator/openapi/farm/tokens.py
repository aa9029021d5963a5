"""OpenAPI path of token creation (/farm/v1/tokens): a lasting token for the caller."""

from coordinator.openapi.helpers import (STR, closed, error, nullable, operation, record,
                                         response, text)
from coordinator.store.access import Scope

_SCOPE = {'type': 'string', 'enum': [scope.value for scope in Scope],
          'default': Scope.USER.value}

PATHS = {
    '/farm/v1/tokens': {'post': operation(
        'A lasting token for the caller (shown once); never more power than the credential used',
        {201: response('created', record({'token': STR, 'scope': STR, 'run': nullable(STR)})),
         403: error('a worker or run-bound token may not create tokens; only an admin may '
                    'create an admin token'),
         404: error('no such run in the caller\'s project')},
        body=closed({'scope': _SCOPE,
                     'run': text(32, description='bind the token to one run')}))},
}
