"""OpenAPI paths of jobs (/api/v1/jobs): list and add; read, modify, delete, pause, resume."""

from coordinator.openapi.helpers import (array, error, operation, path_param, record, ref,
                                         response)
from coordinator.openapi.ndscheduler.views import JOB_BODY

JOB_ID = path_param('job_id', {'type': 'string'}, "the job's id, 32 hex digits; any other is "
                                                  'an unknown job (400)')
_DONE = response('done', ref('NdschedulerJobId'))
_UNKNOWN = 'no job of that id in your project ("Job not found: <id>")'
_INVALID = error('name or job_class_string is missing or not a string, no cron field is given, '
                 'a cron value or the timezone is not valid, job_class_string names no class '
                 'or job type, pub_args is not a list, the run fields of a TaskfarmRunJob '
                 f'are not a run POST /farm/v1/runs would take, or {_UNKNOWN}')
_FORBIDDEN = error('a worker token may not change jobs')


def _change(summary: str) -> dict:
    return operation(summary, {200: _DONE, 400: error(_UNKNOWN), 403: _FORBIDDEN},
                     parameters=[JOB_ID])


PATHS = {
    '/api/v1/jobs': {
        'get': operation('Every job of your project, the next to fire first, paused ones last',
                         {200: response('the jobs',
                                        record({'jobs': array(ref('NdschedulerJob'))}))}),
        'post': operation('Add a job: it fires on its cron fields, which APScheduler fills in',
                          {201: response('added', ref('NdschedulerJobId')), 400: _INVALID,
                           403: _FORBIDDEN}, body=JOB_BODY)},
    '/api/v1/jobs/{job_id}': {
        'get': operation('One job', {200: response('the job', ref('NdschedulerJob')),
                                     400: error(_UNKNOWN)}, parameters=[JOB_ID]),
        'put': operation('Modify a job: its whole trigger is replaced (omitted cron fields and '
                         'the timezone go back to their defaults); pub_args and keyword '
                         'arguments are kept unless sent; a paused job stays paused',
                         {200: _DONE, 400: _INVALID, 403: _FORBIDDEN}, body=JOB_BODY,
                         parameters=[JOB_ID]),
        'delete': _change('Delete a job; what it queued stays'),
        'patch': _change('Pause a job: it does not fire until resumed (the body is ignored)'),
        'options': _change('Resume a paused job: it fires next at its first fire time from now'),
    },
}
