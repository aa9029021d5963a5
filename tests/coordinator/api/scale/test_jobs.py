"""Jobs over HTTP: queued at a type's URL with inputs, read back at /v6/jobs/, projects apart."""

import re

import pytest

from coordinator.models import Task
from coordinator.store import queue, workers
from coordinator.store.reports import Outcome, Result
from tests.coordinator.api.scale.conftest import TYPES, call, example, get

JOBS = '/v6/jobs/'
QUEUE = TYPES + 'test/1.0.0/jobs/'  # the seed document's example: READ_LENGTH and INPUT_TEXT
INPUT = {'INPUT_TEXT': '/data/in.txt', 'READ_LENGTH': 10}
ZULU = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$')
HOST = 'http://falconframework.org'


def jobs(client, auth, **params) -> list[dict]:
    """The jobs listed (`status` is a parameter here, not the answer's status code)."""
    resp = client.simulate_get(JOBS, params=params, headers=auth)
    assert resp.status_code == 200, resp.text
    return resp.json['results']


def test_a_job_is_queued_with_201_and_where_to_read_it(client, alice_auth, posted):
    resp = client.simulate_post(QUEUE, json={'input': INPUT, 'priority': 7}, headers=alice_auth)
    assert resp.status_code == 201, resp.text
    job = resp.json
    assert resp.headers['location'] == f'{HOST}{JOBS}{job["id"]}/'
    assert job['job_type'] == {'id': posted.json['id'], 'name': 'test', 'version': '1.0.0',
                               'title': 'Job to demonstrate job type APIs'}
    assert (job['status'], job['priority'], job['num_exes'], job['input'], job['output'],
            job['error'], job['job_type_rev']) == (
        'QUEUED', 7, 0, INPUT, None, None, {'revision_num': 1})
    assert ZULU.match(job['created']) and ZULU.match(job['queued']) and job['started'] is None
    assert get(client, alice_auth, resp.headers['location'].removeprefix(HOST)) == job
    assert Task.get_by_id(job['id']).payload == (
        '{"input":{"INPUT_TEXT":"/data/in.txt","READ_LENGTH":10}}')


def test_a_job_of_a_paused_type_waits_queued(client, alice_auth, posted):
    call(client, alice_auth, 'PATCH', TYPES + 'test/1.0.0/', {'is_paused': True})
    assert call(client, alice_auth, 'POST', QUEUE, {'input': INPUT}, 201)['status'] == 'QUEUED'


def test_a_failed_job_shows_its_error_and_jobs_list_by_status_and_type(client, alice_auth,
                                                                         alice_principal, posted):
    ids = [call(client, alice_auth, 'POST', QUEUE, {'input': INPUT}, 201)['id']
           for _ in range(3)]
    workers.register_worker(alice_principal, 'agent', 'node', 1,
                            resources=workers.Resources(slots=4))
    (task,) = queue.claim(alice_principal, 'agent', 1)  # the example runs one at a time
    for _ in range(3):  # it tries 3 times; exit code 1 is its data error
        queue.report(alice_principal, 'agent', [Result(task.id, task.attempt, Outcome.FAILED,
                                                       exit_code=1)])
        (task,) = queue.claim(alice_principal, 'agent', 1)
    assert task.id == ids[1]  # the next job runs once the first failed for good
    failed = get(client, alice_auth, f'{JOBS}{ids[0]}/')
    assert (failed['status'], failed['error'], failed['exit_code'], failed['num_exes']) == (
        'FAILED', {'category': 'DATA', 'name': 'data-issue-discovered'}, 1, 3)
    listed = get(client, alice_auth, JOBS)
    assert [job['id'] for job in listed['results']] == ids[::-1] and listed['count'] == 3
    assert [job['id'] for job in jobs(client, alice_auth, status='failed')] == ids[:1]
    assert [job['status'] for job in jobs(client, alice_auth, status=['RUNNING', 'QUEUED'],
                                          job_type_name='test')] == ['QUEUED', 'RUNNING']
    assert get(client, alice_auth, JOBS, job_type_id=str(posted.json['id']),
               page_size='1')['next'] == f'{HOST}{JOBS}?job_type_id={posted.json["id"]}' \
                                         '&page_size=1&page=2'
    assert get(client, alice_auth, JOBS, job_type_name='nothing')['count'] == 0


def test_another_project_sees_none_of_your_jobs_and_cannot_queue_on_your_types(
        client, alice_auth, bob_auth, posted):
    job = call(client, alice_auth, 'POST', QUEUE, {'input': INPUT}, 201)
    assert call(client, bob_auth, 'GET', f'{JOBS}{job["id"]}/', status=404)['detail']
    assert get(client, bob_auth, JOBS)['count'] == 0
    assert call(client, bob_auth, 'POST', QUEUE, {'input': INPUT}, 404)['detail']


@pytest.mark.parametrize('body, problem', [
    ({'input': {'READ_LENGTH': 10}}, "'INPUT_TEXT' is required"),
    ({'input': {**INPUT, 'READ_LENGTH': '10'}}, 'must be an integer'),
    ({'input': {**INPUT, 'OTHER': 1}}, 'not an input of this job type'),
    ({'input': {**INPUT, 'INPUT_TEXT': ['/a', '/b']}}, 'does not take multiple files'),
    ({'input': [INPUT]}, 'input must be an object'), ({'input': INPUT, 'priority': 0}, 'between'),
    ({'input': INPUT, 'priority': '5'}, 'must be an integer'),
    ({'input': INPUT, 'job_type_id': 1}, 'unknown field'),
    ({'input': {**INPUT, 'INPUT_TEXT': 'x' * 70_000}}, '65536 bytes')])
def test_an_input_that_does_not_fit_is_refused_with_what_is_wrong(client, alice_auth, posted,
                                                                   body, problem):
    assert problem in call(client, alice_auth, 'POST', QUEUE, body, 400)['detail']
    assert get(client, alice_auth, JOBS)['count'] == 0


def test_an_inactive_type_refuses_jobs_and_a_system_type_takes_none(client, alice_auth, posted):
    call(client, alice_auth, 'PATCH', TYPES + 'test/1.0.0/', {'is_active': False})
    assert 'inactive' in call(client, alice_auth, 'POST', QUEUE, {'input': INPUT}, 409)['detail']
    assert 'system' in call(client, alice_auth, 'POST', TYPES + 'taskfarm-run/1.0.0/jobs/',
                            {'input': {}}, 403)['detail']


def test_the_example_still_defines_a_type_before_any_job(client, alice_auth):
    assert call(client, alice_auth, 'POST', TYPES, example(), 201)['name'] == 'test'
