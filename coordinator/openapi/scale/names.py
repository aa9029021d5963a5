"""OpenAPI paths of job type names (/v6/job-type-names/)."""

from coordinator.api.scale.names import NAME_ORDER_FIELDS
from coordinator.openapi.helpers import operation
from coordinator.openapi.scale.views import BAD_QUERY, filters, ordering, page, paging

PATHS = {
    '/v6/job-type-names/': {'get': operation(
        'Job type names with their versions (oldest first, by SemVer) and the latest; the '
        'filters choose which versions count, a name being listed when one does',
        {200: page('ScaleJobTypeName'), 400: BAD_QUERY},
        parameters=[*filters(), ordering(NAME_ORDER_FIELDS), *paging()])},
}
