"""OpenAPI paths of the revisions of a job type (/v6/job-types/{name}/{version}/revisions/)."""

from coordinator.api.scale import MAX_REVISION
from coordinator.openapi.helpers import error, integer, operation, path_param, ref, response
from coordinator.openapi.scale.job_types import NAME, VERSION
from coordinator.openapi.scale.views import pages, paging

_REVISIONS = '/v6/job-types/{name}/{version}/revisions/'
_NUMBER = path_param('revision_num', integer(1, MAX_REVISION),
                     'from 1; anything else is an unknown path (404)')

PATHS = {
    _REVISIONS: {'get': operation(
        'The revisions of a version, the newest first',
        pages('ScaleJobTypeRevision', 'no such job type, or '),
        parameters=[NAME, VERSION, *paging()])},
    _REVISIONS + '{revision_num}/': {'get': operation(
        'One revision, with the manifest it ran',
        {200: response('the revision', ref('ScaleJobTypeRevisionDetail')),
         404: error('no such job type, or no such revision of it')},
        parameters=[NAME, VERSION, _NUMBER])},
}
