"""OpenAPI paths of job types (/v6/job-types/): list, define, the versions of a name, a version."""

from coordinator.api.scale.job_types import ORDER_FIELDS
from coordinator.openapi.helpers import STR, error, header, operation, path_param, ref, response
from coordinator.openapi.scale.views import (NOT_FOUND, VALIDATION, boolean, closed_body,
                                             filters, ordering, pages, paging)

NAME = path_param('name', STR, "the job type's name")
VERSION = path_param('version', STR, 'one of its versions (a + sent as %2B)')
_INVALID = error('a field has the wrong type or range, the manifest or configuration is not '
                 'valid (every error is named), or unknown fields are sent')
_FORBIDDEN = error('a worker token may not change job types, and a system type can only be '
                   'paused or resumed')

PATHS = {
    '/v6/job-types/': {
        'get': operation('Job types, one row per version: filtered, ordered (default by name, '
                         'then version), paged', pages('ScaleJobType'),
                         parameters=[*filters(), ordering(ORDER_FIELDS), *paging()]),
        'post': operation(
            'Define a job type from its Seed manifest (name and version are its job.name and '
            'jobVersion): new, or an edit of that version; a revision only when the manifest or '
            'image changes',
            {201: response('created: the details', ref('ScaleJobTypeDetail'),
                           {'Location': header('the absolute URL of the details', STR)}),
             200: response('the version existed and was edited', ref('ScaleValidation')),
             400: _INVALID, 403: _FORBIDDEN},
            body=closed_body(('docker_image', 'manifest')))},
    '/v6/job-types/{name}/': {'get': operation(
        'The versions of a name, the newest first by SemVer; none for an unknown name',
        pages('ScaleJobType'),
        parameters=[NAME, boolean('is_active', 'only active (or inactive) versions'),
                    *paging()])},
    '/v6/job-types/{name}/{version}/': {
        'get': operation('One version in full: its manifest, its configuration without secret '
                         'settings', {200: response('the details', ref('ScaleJobTypeDetail')),
                                      404: NOT_FOUND},
                         parameters=[NAME, VERSION]),
        'patch': operation(
            'Edit a version: the fields sent, false and null included; a manifest must keep its '
            'name and version, and makes a revision when it changes, as does an image; a '
            'configuration keeps the stored value of each secret setting it leaves out or '
            'sends null',
            {200: VALIDATION, 400: _INVALID, 403: _FORBIDDEN, 404: NOT_FOUND},
            body=closed_body(), parameters=[NAME, VERSION])},
}
