"""OpenAPI paths and schemas of jobs: queued at a type's URL, read at /v6/jobs/."""

from coordinator.api.scale.manifests import MAX_PRIORITY
from coordinator.api.scale.params import MAX_ID
from coordinator.failures import Category
from coordinator.openapi.helpers import (INSTANT, INT, NO_NUL, STR, WHEN, closed, error, header,
                                         integer, nullable, operation, path_param, record, ref,
                                         response)
from coordinator.openapi.scale.job_types import NAME, VERSION
from coordinator.openapi.scale.status import STATUSES
from coordinator.openapi.scale.views import BAD_QUERY, pages, paging, repeated

_ANY = {'description': 'any JSON value'}
_INPUT = {'type': 'object', 'additionalProperties': _ANY,
          'description': 'input name to value: a file input takes the path of a file (a list of '
                         'paths when it takes multiple files), a JSON input a value of its type; '
                         'every input the manifest requires, and none it does not declare'}
_JOB = {
    'id': INT,
    'job_type': record({'id': INT, 'name': STR, 'version': STR, 'title': nullable(STR)}),
    'job_type_rev': record({'revision_num': nullable({
        'type': 'integer', 'description': 'the revision of its type the job runs'})}),
    'status': {'type': 'string', 'enum': STATUSES,
               'description': 'PENDING: queued, waiting out a delay; QUEUED: could be handed out '
                              'now'},
    'priority': INT,
    'num_exes': {'type': 'integer', 'description': 'how many times it was handed out'},
    'max_tries': nullable(INT),
    'input': nullable({**_INPUT, 'description': 'null for work queued otherwise than with '
                                                'inputs (by another API family)'}),
    'output': {'nullable': True, 'description': 'what it produced (JSON), once it has'},
    'error': nullable(record({
        'category': nullable({'type': 'string', 'enum': [c.value for c in Category]}),
        'name': nullable({'type': 'string', 'description': "its manifest's error, or a "
                                                           'built-in one'})})),
    'exit_code': nullable(INT),
    'created': INSTANT, 'queued': WHEN, 'started': WHEN, 'ended': WHEN,
    'last_status_change': WHEN,
}
# a status name in any case: PENDING, pending, Pending...
_ANY_CASE = {'type': 'string', 'pattern': '^(' + '|'.join(
    ''.join(f'[{letter.upper()}{letter.lower()}]' for letter in status)
    for status in STATUSES) + ')$'}
_JOB_ID = path_param('job_id', integer(1, MAX_ID), 'its id; anything else is an unknown path '
                                                   '(404)')

SCHEMAS = {'ScaleJob': record(_JOB)}

PATHS = {
    '/v6/job-types/{name}/{version}/jobs/': {'post': operation(
        'Queue one job of this type with its inputs, checked against its manifest; a paused '
        'type keeps it queued until resumed',
        {201: response('queued: the job', ref('ScaleJob'),
                       {'Location': header('the absolute URL of the job', STR)}),
         400: error('the body is not as described, or the input does not fit the manifest '
                    '(every problem named), or it is larger than 64 KB as JSON'),
         403: error('a worker token may not queue jobs, and a system type takes none'),
         404: error('no job type of that name and version in your project'),
         409: error('the job type is inactive: it takes no new jobs')},
        body=closed({'input': _INPUT, 'priority': integer(1, MAX_PRIORITY, description=(
            "default: the type's priority; higher is handed out first"))}, ()),
        parameters=[NAME, VERSION])},
    '/v6/jobs/': {'get': operation(
        'Jobs (queued work of every family, not the tasks of runs), the newest first',
        {**pages('ScaleJob'), 400: error(BAD_QUERY['description'] + ', a status that is not '
                                         "one of Scale's, a name with a NUL character")},
        parameters=[repeated('status', _ANY_CASE, 'one of ' + ', '.join(STATUSES) + ', in any '
                                                  'case; repeat for any of several'),
                    repeated('job_type_name', {'type': 'string', 'not': NO_NUL},
                             'repeat for any of several'),
                    repeated('job_type_id', integer(0, MAX_ID), 'repeat for any of several'),
                    *paging()])},
    '/v6/jobs/{job_id}/': {'get': operation(
        'One job', {200: response('the job', ref('ScaleJob')),
                    404: error('no job of that id in your project')},
        parameters=[_JOB_ID])},
}

