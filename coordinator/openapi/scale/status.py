"""OpenAPI paths and schemas of the job-type status views (/v6/job-types/status/ and others)."""

from coordinator.failures import BUILTIN, Category
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, STR, WHEN, array, error, nullable,
                                         operation, query_param, record, ref, response)
from coordinator.openapi.scale.views import BAD_QUERY, boolean, pages, paging
from coordinator.states import ScaleStatus, scale_states

STATUSES = [status.value for status in ScaleStatus]
_CATEGORIES = [category.value for category in Category]
_CATEGORY = nullable({'type': 'string', 'enum': _CATEGORIES})
_TIME = {'type': 'string', 'description': 'an ISO 8601 instant with its offset (Z, +02:00, '
                                          '-05:00), or a duration back from now (PT3H, P1D)'}
_COUNT = record({
    'status': {'type': 'string', 'enum': STATUSES,
               'description': 'PENDING: queued, waiting out a delay; QUEUED: could be handed '
                              'out now'},
    'count': INT,
    'most_recent': {**INSTANT, 'description': 'when the last of them reached the status'},
    'category': {**_CATEGORY, 'description': 'FAILED only (one row a category), else null'}})
_LAST_FAILURE = nullable(record({
    'at': INSTANT,
    'state': {'type': 'string', 'enum': [state.value for state in
                                         scale_states(ScaleStatus.FAILED)]},
    'category': _CATEGORY,
    'error_name': nullable({'type': 'string', 'description': "the manifest's error, or a "
                                                             'built-in one'})}))
_BASE = ref('ScaleJobTypeBase')

SCHEMAS = {
    'ScaleJobTypeStatus': record({
        'job_type': _BASE, 'job_counts': array(_COUNT),
        'queued_now': {'type': 'integer', 'description': 'not in Scale: its tasks waiting now, '
                                                         'delayed or not, whenever queued '
                                                         "(a run's never handed out too)"},
        'last_failure': {**_LAST_FAILURE, 'description': 'not in Scale: its latest failure, '
                                                         'whenever it was; null if none'}}),
    'ScaleJobTypePending': record({'job_type': _BASE, 'count': INT, 'longest_pending': INSTANT}),
    'ScaleJobTypeRunning': record({'job_type': _BASE, 'count': INT, 'longest_running': INSTANT}),
    'ScaleBuiltinError': record({
        'id': INT, 'name': {'type': 'string', 'enum': list(BUILTIN)}, 'title': STR,
        'description': STR, 'category': {'type': 'string', 'enum': [Category.SYSTEM.value]},
        'is_builtin': BOOL, 'should_be_retried': BOOL,
        'created': {**WHEN, 'description': 'always null: built-in errors are not stored'},
        'last_modified': {**WHEN, 'description': 'always null'}}),
    'ScaleJobTypeSystemFailure': record({'job_type': _BASE, 'error': ref('ScaleBuiltinError'),
                                         'count': INT, 'first_error': INSTANT,
                                         'last_error': INSTANT}),
}


def _status_page() -> dict:
    answers = pages('ScaleJobTypeStatus')
    body = answers[200]['content']['application/json']['schema']
    window = {'started': {**INSTANT, 'description': 'the start of the window counted'},
              'ended': {**INSTANT, 'description': 'its end'}}
    answers[200] = response('one page, and the window it counts',
                            record({**body['properties'], **window}))
    answers[400] = error(BAD_QUERY['description'] + ', a time that is neither an instant with '
                               'its offset nor a duration, a window that ends before it starts')
    return answers


PATHS = {
    '/v6/job-types/status/': {'get': operation(
        'Every job type (by name, then version) with its tasks of every family counted by '
        'status: those that reached it in the window, and every RUNNING one whatever the window',
        _status_page(),
        parameters=[query_param('started', _TIME, 'the start of the window: PT3H (the last 3 '
                                                  'hours) unless told'),
                    query_param('ended', _TIME, 'its end: now unless told'),
                    boolean('is_active', 'only active (or inactive) versions'), *paging()])},
    '/v6/job-types/pending/': {'get': operation(
        'Job types with PENDING tasks (queued, waiting out a delay): how many, and since when '
        'the longest has waited; the longest first', pages('ScaleJobTypePending'),
        parameters=paging())},
    '/v6/job-types/running/': {'get': operation(
        'Job types with RUNNING tasks: how many, and since when the longest has run; the '
        'longest first', pages('ScaleJobTypeRunning'), parameters=paging())},
    '/v6/job-types/system-failures/': {'get': operation(
        'Tasks that failed with a SYSTEM error (their worker lost, killed at their timeout, an '
        'executor fault), ever, by job type and error; the most recent first',
        pages('ScaleJobTypeSystemFailure'), parameters=paging())},
}
