"""OpenAPI paths and schemas of schedules (/2/projects/{project_id}/schedules...)."""

from coordinator.api.ironworker import schedules
from coordinator.openapi.helpers import (INSTANT, INT, STR, error, integer, nullable, obj,
                                         operation, path_param, ref, response, text)
from coordinator.openapi.ironworker.tasks import CODE_NAME, DELAY, LABEL, PRIORITY, TIMEOUT
from coordinator.openapi.ironworker.views import (BAD_QUERY, HEX_ID, MESSAGE, NO_PROJECT,
                                                  PROJECT_ID, listed, paging)
from coordinator.store import iron_schedules
from coordinator.store.queue import MAX_PAYLOAD_BYTES

_SCHEDULES = '/2/projects/{project_id}/schedules'
_SCHEDULE = _SCHEDULES + '/{schedule_id}'
_SCHEDULE_ID = path_param('schedule_id', HEX_ID, "a schedule's 24-hex id")
_NO_SCHEDULE = error('no such project of yours, or no such schedule in it')
_NO_CODE = error('no such project of yours, or no such code package in it')
_FORBIDDEN = error('a worker token may not change schedules')
_WRONG = error('a field is wrong: run_every under 60 s, a time without a zone, end_at before '
               'start_at, ...')
_TOO_LARGE = error(f'a payload is larger than {MAX_PAYLOAD_BYTES} bytes, or the body than '
                   'FARM_MAX_BODY_BYTES')
_TIME = nullable({**INSTANT, 'description': 'RFC 3339 with Z or an offset; null, "" or the '
                                            'year 1: not set'})
_FIELDS = {
    'code_name': CODE_NAME,
    'payload': nullable(text(MAX_PAYLOAD_BYTES, empty_ok=True,
                             description=f'at most {MAX_PAYLOAD_BYTES} bytes (413 beyond), '
                                         'given to each task as a file')),
    'start_at': {**_TIME, 'description': 'the first fire time; now unless told'},
    'run_every': nullable(integer(schedules.MIN_RUN_EVERY_S, schedules.MAX_RUN_EVERY_S,
                                  description='seconds between fires (400 under 60); '
                                              'none: it fires once')),
    'end_at': {**_TIME, 'description': 'no fire after it'},
    'run_times': nullable(integer(0, schedules.MAX_RUN_TIMES,
                                  description='at most this many fires; 0 or none: no cap')),
    'name': nullable(text(schedules.MAX_NAME, empty_ok=True)),
    **{key: nullable(schema) for key, schema in (('priority', PRIORITY), ('timeout', TIMEOUT),
                                                 ('delay', DELAY), ('label', LABEL))},
}
_STATUSES = [iron_schedules.SCHEDULED, iron_schedules.CANCELLED, iron_schedules.COMPLETE]
SCHEMAS = {
    'IronScheduleOrder': obj(_FIELDS, ('code_name',),
                             description='unknown fields (cluster, sync, max_concurrency) are '
                                         'ignored'),
    'IronSchedule': obj({
        'id': HEX_ID, 'project_id': HEX_ID, 'code_id': HEX_ID, 'code_name': STR, 'name': STR,
        'payload': STR, 'status': {'type': 'string', 'enum': _STATUSES},
        'msg': {'type': 'string', 'description': 'why it fires no more'},
        'priority': INT, 'start_at': INSTANT, 'end_at': INSTANT,
        'run_every': {'type': 'integer', 'description': 'seconds'}, 'run_times': INT,
        'run_count': {'type': 'integer', 'description': 'fires that queued a task'},
        'next_start': {**INSTANT, 'description': 'the next fire time; left out once it '
                                                 'fires no more'},
        'last_run_time': {**INSTANT, 'description': 'the last fire time'},
        'timeout': {'type': 'number', 'description': 'seconds'},
        'delay': {'type': 'number', 'description': 'seconds'}, 'label': STR,
        'created_at': INSTANT, 'updated_at': INSTANT,
    }, ('id', 'project_id', 'payload', 'status', 'start_at', 'run_count', 'created_at',
        'updated_at'), description='a field without a value is left out'),
}


def _schedule_op(summary: str, responses: dict, **kwargs) -> dict:
    return operation(summary, {404: _NO_SCHEDULE, **responses},
                     parameters=[PROJECT_ID, _SCHEDULE_ID], **kwargs)


PATHS = {
    _SCHEDULES: {
        'get': operation("The project's schedules, newest first, a page at a time",
                         {200: listed('schedules', 'IronSchedule'), 400: BAD_QUERY,
                          404: NO_PROJECT}, parameters=[PROJECT_ID, *paging()]),
        'post': operation(
            'Schedule tasks of code packages, all or none: each fires at start_at, then '
            'every run_every seconds, until end_at or run_times fires',
            {200: response('scheduled, in the order sent', obj({
                'msg': STR, 'schedules': {'type': 'array',
                                          'items': obj({'id': HEX_ID}, ('id',))}},
                ('msg', 'schedules'))),
             400: _WRONG, 404: _NO_CODE, 413: _TOO_LARGE,
             403: error('a worker token may not change schedules, or the project would have '
                        f'more than {iron_schedules.MAX_LIVE_SCHEDULES} that still fire')},
            body=obj({'schedules': {'type': 'array', 'minItems': 1,
                                    'maxItems': schedules.MAX_SCHEDULES,
                                    'items': ref('IronScheduleOrder')}}, ('schedules',)),
            parameters=[PROJECT_ID])},
    _SCHEDULE: {
        'get': _schedule_op('One schedule', {200: response('the schedule',
                                                           ref('IronSchedule'))}),
        'put': _schedule_op(
            'Change the fields sent (the others stay); it fires next at the new timing\'s '
            'first fire time after its last firing',
            {200: response('{"id": ..., "msg": "Updated"}',
                           obj({'id': HEX_ID, 'msg': STR}, ('id', 'msg'))),
             400: _WRONG, 403: _FORBIDDEN,
             404: error('no such project of yours, no such schedule, or no such code package'),
             409: error('the schedule was cancelled'), 413: _TOO_LARGE},
            body=obj(_FIELDS))},
    _SCHEDULE + '/cancel': {'post': _schedule_op(
        'Cancel a schedule: it fires no more (its tasks stay queued); an empty body',
        {200: response('{"msg": "Cancelled"}', MESSAGE), 403: _FORBIDDEN,
         409: error('the schedule is complete')})},
}
