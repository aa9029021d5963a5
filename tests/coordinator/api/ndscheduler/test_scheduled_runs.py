"""A TaskfarmRunJob over HTTP: its run's fields are checked when it is added or modified, and
running it now creates the run at once, shown in /farm/v1/runs and as the execution's result."""

import json

import pytest

from coordinator.store.scheduled_runs import CLASS_STRING
from tests.coordinator.api.ndscheduler.conftest import JOBS, add, call

RUN_JOB = {'job_class_string': CLASS_STRING, 'pub_args': None, 'name': 'nightly',
           'hour': '2'}


def test_running_a_run_job_now_creates_the_run_and_succeeds_with_its_uuid(client, alice_auth):
    job_id = add(client, alice_auth, **RUN_JOB, num_tasks=4, command=['./sim', '{task}'],
                 max_tries=2)
    execution_id = call(client, alice_auth, 'POST', f'/api/v1/executions/{job_id}')[
        'execution_id']
    shown = call(client, alice_auth, 'GET', f'/api/v1/executions/{execution_id}')
    (run,) = call(client, alice_auth, 'GET', '/farm/v1/runs')['runs']
    assert shown['state'] == 'succeeded' and json.loads(shown['result']) == {'run': run['uuid']}
    assert (run['num_tasks'], run['name'], run['command'], run['max_tries']) == (
        4, 'nightly', ['./sim', '{task}'], 2)


@pytest.mark.parametrize('fields, expected', [
    ({}, "missing field 'num_tasks'"),
    ({'num_tasks': 0}, 'num_tasks'),
    ({'num_tasks': 'ten'}, 'num_tasks'),
    ({'num_tasks': 2, 'command': 'not a list'}, 'command'),
    ({'num_tasks': 2, 'command': ['']}, 'command[0]'),
    ({'num_tasks': 2, 'max_tries': 0}, 'max_tries'),
    ({'num_tasks': 2, 'colour': 'red'}, 'unknown field(s) colour'),
    ({'num_tasks': 2, 'pub_args': ['x']}, 'takes no pub_args'),
    ({'inputs': ['a'], 'num_tasks': 3}, 'num_tasks is 3 but 1 inputs'),
])
def test_a_run_job_with_fields_that_make_no_run_is_refused_400(client, alice_auth, fields,
                                                                expected):
    for method, path, status in (('POST', JOBS, 201), ('PUT', None, 200)):
        if path is None:  # a PUT of a good job with the bad fields
            path = f'{JOBS}/{add(client, alice_auth, **RUN_JOB, num_tasks=1)}'
        body = {key: value for key, value in {**RUN_JOB, **fields}.items() if value is not None}
        refused = client.simulate_request(method, path, json=body, headers=alice_auth)
        assert refused.status_code == 400, (method, refused.text)
        assert expected in refused.json['error'] and CLASS_STRING in refused.json['error']
