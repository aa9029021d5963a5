"""OpenAPI paths of validating a job type (/v6/job-types/validation/)."""

from coordinator.openapi.helpers import obj, operation
from coordinator.openapi.scale.views import VALIDATION

# open: any manifest gets its verdict, and the other fields of a POST are ignored
_BODY = obj({'manifest': {'description': 'a Seed manifest, or its JSON text; anything else is '
                                         'said to be invalid'},
             'configuration': {'description': 'a Scale v6 configuration, or null'}},
            ('manifest',))

PATHS = {
    '/v6/job-types/validation/': {'post': operation(
        'Check a Seed manifest and configuration without saving them: always the verdict '
        '(is_valid, errors and warnings by name)', {200: VALIDATION}, body=_BODY)},
}
