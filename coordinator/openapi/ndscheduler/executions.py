"""OpenAPI paths of executions (/api/v1/executions): a window's, one, run a job now, cancel."""

from coordinator.openapi.helpers import (STR, array, error, integer, operation, path_param,
                                         query_param, record, ref, response)
from coordinator.openapi.ndscheduler.views import time_range
from coordinator.seed.params import MAX_PAGE

EXECUTION_ID = path_param('execution_id', {'type': 'string'},
                          "an execution's id, 32 hex digits; any other is an unknown "
                          'execution (400)')
JOB_ID = path_param('execution_id', {'type': 'string'},
                    "the job's id, 32 hex digits; any other is an unknown job (400)")
_ID = response('done', ref('NdschedulerExecutionId'))
_UNKNOWN = 'no execution of that id in your project ("Execution not found: <id>")'
_FORBIDDEN = error('a worker token may not run or cancel jobs')
_PAGING = [query_param('page', integer(1, MAX_PAGE), 'from 1; with page_size, one page of the '
                                                     'list (every execution unless given)'),
           query_param('page_size', STR, 'executions per page: 100 unless a whole number '
                                         'from 1, at most 1000 (more is read as 1000)')]

PATHS = {
    '/api/v1/executions': {'get': operation(
        "Your project's executions queued in a time window, the latest updated first",
        {200: response('the executions',
                       record({'executions': array(ref('NdschedulerExecution'))})),
         400: error('a time is neither an ISO 8601 instant nor a duration, the start is after '
                    'the end, or page is not a whole number from 1')},
        parameters=time_range() + _PAGING)},
    '/api/v1/executions/{execution_id}': {
        'get': operation('One execution', {200: response('the execution',
                                                         ref('NdschedulerExecution')),
                                           400: error(_UNKNOWN)},
                         parameters=[EXECUTION_ID]),
        'post': operation('Run a job now, paused or not: its execution is queued and its id '
                          'answered at once (state scheduled); a serve agent runs it',
                          {200: _ID, 400: error('no job of that id in your project ("Job not '
                                                'found: <id>")'),
                           403: _FORBIDDEN,
                           409: error("the job's job type was deleted: modify the job")},
                          parameters=[JOB_ID]),
        'delete': operation('Cancel an execution that has not finished; a running one is '
                            'stopped by its agent',
                            {200: _ID, 400: error(_UNKNOWN), 403: _FORBIDDEN,
                             409: error('the execution has already finished')},
                            parameters=[EXECUTION_ID]),
    },
}
