"""OpenAPI paths of job type names (/v6/job-type-names/)."""

from coordinator.api.scale.names import NAME_ORDER_FIELDS
from coordinator.openapi.helpers import operation
from coordinator.openapi.scale.views import filters, ordering, pages, paging

PATHS = {
    '/v6/job-type-names/': {'get': operation(
        'Job type names with their versions (oldest first, by SemVer) and the latest; the '
        'filters choose which versions count, a name being listed when one does',
        pages('ScaleJobTypeName'),
        parameters=[*filters(), ordering(NAME_ORDER_FIELDS), *paging()])},
}
