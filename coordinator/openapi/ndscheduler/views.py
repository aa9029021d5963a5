"""OpenAPI schemas of ndscheduler's jobs, executions and audit logs, and its time range
parameters."""

from coordinator.api.ndscheduler.jobs import CRON_FIELDS, MAX_CLASS_STRING
from coordinator.cron import FIELDS, MAX_VALUE_LENGTH
from coordinator.openapi.helpers import INSTANT, STR, array, nullable, query_param, record, text
from coordinator.states import NDSCHEDULER_STATES
from coordinator.store.schedules import MAX_NAME

CRON_VALUE = {'oneOf': [text(MAX_VALUE_LENGTH), {'type': 'integer', 'minimum': 0}],
              'description': "a cron expression as APScheduler's CronTrigger reads it: *, */n, "
                             'a, a-b, a-b/n, lists of them; names of months and days of the week '
                             '(Monday is 0); in day also last, 1st fri, last sun'}
_ANY = {'description': 'any JSON value'}
_JOB = {
    'job_id': {'type': 'string', 'pattern': '^[0-9a-f]{32}$'},
    'name': STR,
    'job_class_string': STR,
    'pub_args': array(_ANY, description='the positional arguments of run()'),
    **{field: {'type': 'string', 'description': 'with the defaults filled in'}
       for field in FIELDS},
    'timezone': {'type': 'string', 'description': 'not in ndscheduler: the zone the cron fields '
                                                  'are read in'},
    'next_run_time': {'type': 'string', 'description': 'ISO 8601 in the time zone of the job, '
                                                      'or "" while it is paused'},
}
_EXECUTION_ID = {'type': 'string', 'pattern': '^[0-9a-f]{32}$'}
_EXECUTION = {
    'execution_id': _EXECUTION_ID,
    'state': {'type': 'string', 'enum': list(NDSCHEDULER_STATES),
              'description': 'scheduled error: the class could not be imported where it ran'},
    'hostname': {'type': 'string', 'description': 'of the agent that ran it; "" before'},
    'pid': {'type': 'integer', 'description': 'of the agent that ran it; -1 before'},
    'task_id': {'type': 'string', 'description': 'always "", as on ndscheduler'},
    'description': STR,
    'result': nullable({'type': 'string', 'description': 'succeeded: the return value of run() '
                                                         'as indented JSON; failed: its log '
                                                         'tail (the traceback); null before'}),
    'scheduled_time': INSTANT,
    'updated_time': INSTANT,
    'job': record({**{key: _JOB[key] for key in _JOB if key != 'next_run_time'},
                   'task_name': {'type': 'string', 'description': 'job_class_string, as '
                                                                 'ndscheduler names it here'}}),
}
_EVENTS = ['added', 'modified', 'deleted', 'paused', 'resumed', 'custom_run']

SCHEMAS = {
    'NdschedulerError': record({'error': STR}),
    'NdschedulerJob': record(_JOB),
    'NdschedulerJobId': record({'job_id': _JOB['job_id']}),
    'NdschedulerExecution': record(_EXECUTION, optional=('job',)),
    'NdschedulerExecutionId': record({'execution_id': _EXECUTION_ID}),
    'NdschedulerLog': record({
        'job_id': STR, 'job_name': {'type': 'string', 'nullable': True},
        'event': {'type': 'string', 'enum': _EVENTS},
        'user': {'type': 'string', 'description': 'who did it; "" if no user is known'},
        'created_time': INSTANT,
        'description': {'type': 'string', 'description': 'modified: what changed, a line a '
                                                         'field; deleted: the job as JSON'}}),
}

JOB_BODY = {
    'type': 'object', 'required': ['name', 'job_class_string'],
    'properties': {
        'name': text(MAX_NAME),
        'job_class_string': text(MAX_CLASS_STRING, description=(
            'a Python class path (package.module.Class, at most 64 characters), or the name '
            '(or name:version) of an active job type of your project')),
        'pub_args': {**array(_ANY), 'nullable': True},
        **{field: CRON_VALUE for field in CRON_FIELDS},
        'timezone': {'type': 'string', 'nullable': True,
                     'description': 'a time zone name such as Europe/Berlin; UTC when null or '
                                    'not given'}},
    'additionalProperties': {'description': 'every other field is a keyword argument of run(); '
                                            'of farmworker.job_classes.TaskfarmRunJob, the '
                                            'fields of POST /farm/v1/runs but name'},
    'description': 'at least one of the cron fields ' + ', '.join(CRON_FIELDS) + ' is required',
}


def time_range() -> list:
    return [query_param(name, STR, f'{when}: an ISO 8601 instant (its offset is converted; '
                                   'none means UTC) or a duration back from now such as PT1H; '
                                   f'default {default}')
            for name, when, default in (
                ('time_range_start', 'the start', 'ten minutes before the end'),
                ('time_range_end', 'the end', 'now'))]
