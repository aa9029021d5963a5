"""/api/v1/jobs as ndscheduler's own tests use it: add, list, read, modify, pause, resume,
delete."""

import datetime
import re

import pytest

from tests.coordinator.api.ndscheduler.conftest import EXAMPLE, JOBS, add, call, job

CRON = ('month', 'day', 'week', 'day_of_week', 'hour', 'minute')


def test_adding_the_seed_documents_job_answers_201_with_a_32_hex_id(client, alice_auth):
    resp = client.simulate_post(JOBS, json=EXAMPLE, headers=alice_auth)
    assert resp.status_code == 201 and resp.headers['content-type'] == 'application/json'
    assert set(resp.json) == {'job_id'} and re.fullmatch('[0-9a-f]{32}', resp.json['job_id'])


def test_a_job_reads_back_as_ndscheduler_shows_it(client, alice_auth):
    job_id = add(client, alice_auth)
    found = job(client, alice_auth, job_id)
    next_run = datetime.datetime.fromisoformat(found.pop('next_run_time'))
    assert found == {'job_id': job_id, 'name': 'My first job',
                     'job_class_string': EXAMPLE['job_class_string'], 'pub_args': ['arg1', 2],
                     'month': '*', 'day': '*', 'week': '*', 'day_of_week': '*', 'hour': '*',
                     'minute': '*/1', 'timezone': 'UTC'}
    now = datetime.datetime.now(datetime.UTC)
    assert next_run.utcoffset() == datetime.timedelta(0) and next_run.second == 0
    assert now - datetime.timedelta(seconds=1) <= next_run <= now + datetime.timedelta(minutes=1)


def test_fields_below_the_least_significant_given_get_their_minimum_as_on_ndscheduler(
        client, alice_auth):
    found = job(client, alice_auth, add(client, alice_auth, minute=None, month='1',
                                        day_of_week='sun'))
    assert {field: found[field] for field in CRON} == {
        'month': '1', 'day': '*', 'week': '*', 'day_of_week': 'sun', 'hour': '0', 'minute': '0'}
    next_run = datetime.datetime.fromisoformat(found['next_run_time'])
    assert (next_run.month, next_run.weekday(), next_run.hour, next_run.minute) == (1, 6, 0, 0)


def test_cron_values_may_be_numbers_and_are_shown_as_strings(client, alice_auth):
    found = job(client, alice_auth, add(client, alice_auth, minute=None, hour=2))
    assert (found['hour'], found['minute']) == ('2', '0')


def test_a_job_in_a_time_zone_shows_its_next_run_time_in_that_zone(client, alice_auth):
    found = job(client, alice_auth, add(client, alice_auth, minute=None, hour='9',
                                        timezone='Asia/Kolkata'))
    next_run = datetime.datetime.fromisoformat(found['next_run_time'])
    assert found['timezone'] == 'Asia/Kolkata'
    assert next_run.utcoffset() == datetime.timedelta(hours=5, minutes=30)
    assert (next_run.hour, next_run.minute) == (9, 0)


def test_name_class_and_a_cron_field_are_required(client, alice_auth):
    for missing, says in (({'name': None}, "missing field 'name'"),
                          ({'job_class_string': None}, "missing field 'job_class_string'"),
                          ({'minute': None}, 'give at least one of the cron fields')):
        body = {key: value for key, value in {**EXAMPLE, **missing}.items() if value is not None}
        answer = call(client, alice_auth, 'POST', JOBS, body, 400)
        assert set(answer) == {'error'} and says in answer['error']
    assert call(client, alice_auth, 'GET', JOBS) == {'jobs': []}


def test_other_fields_are_keyword_arguments_and_not_shown(client, alice_auth):
    job_id = add(client, alice_auth, foo='bar', week='5', second='7')
    assert set(job(client, alice_auth, job_id)) == {'job_id', 'name', 'job_class_string',
                                                    'pub_args', 'next_run_time', 'timezone',
                                                    *CRON}
    assert job(client, alice_auth, job_id)['week'] == '*'


def test_jobs_are_listed_next_to_fire_first_and_paused_ones_last(client, alice_auth):
    yearly = add(client, alice_auth, name='yearly', minute=None, month='1')
    paused = add(client, alice_auth, name='paused')
    minutely = add(client, alice_auth, name='minutely')
    call(client, alice_auth, 'PATCH', f'{JOBS}/{paused}')
    listed = call(client, alice_auth, 'GET', JOBS)['jobs']
    assert [row['job_id'] for row in listed] == [minutely, yearly, paused]
    assert listed[2]['next_run_time'] == '' and listed[0]['next_run_time']


def test_pausing_and_resuming_answer_the_job_id(client, alice_auth):
    job_id = add(client, alice_auth)
    assert call(client, alice_auth, 'PATCH', f'{JOBS}/{job_id}') == {'job_id': job_id}
    assert job(client, alice_auth, job_id)['next_run_time'] == ''
    assert call(client, alice_auth, 'OPTIONS', f'{JOBS}/{job_id}') == {'job_id': job_id}
    assert job(client, alice_auth, job_id)['next_run_time'] != ''


def test_modifying_replaces_the_whole_trigger_and_keeps_pub_args(client, alice_auth):
    job_id = add(client, alice_auth, minute=None, month='1', day_of_week='sun', hour='0')
    answer = call(client, alice_auth, 'PUT', f'{JOBS}/{job_id}',
                  {'name': 'renamed', 'job_class_string': 'other.module.Job', 'minute': '*/7'})
    assert answer == {'job_id': job_id}
    found = job(client, alice_auth, job_id)
    assert {field: found[field] for field in CRON} == {
        'month': '*', 'day': '*', 'week': '*', 'day_of_week': '*', 'hour': '*', 'minute': '*/7'}
    assert (found['name'], found['job_class_string'], found['pub_args']) == (
        'renamed', 'other.module.Job', ['arg1', 2])


def test_a_paused_job_stays_paused_when_modified(client, alice_auth):
    job_id = add(client, alice_auth)
    call(client, alice_auth, 'PATCH', f'{JOBS}/{job_id}')
    call(client, alice_auth, 'PUT', f'{JOBS}/{job_id}', {**EXAMPLE, 'hour': '3', 'pub_args': []})
    found = job(client, alice_auth, job_id)
    assert (found['next_run_time'], found['hour'], found['pub_args']) == ('', '3', [])


def test_modifying_needs_the_same_fields_as_adding(client, alice_auth):
    job_id = add(client, alice_auth)
    answer = call(client, alice_auth, 'PUT', f'{JOBS}/{job_id}', {'minute': '*/7'}, 400)
    assert answer == {'error': "missing field 'name'"}
    assert job(client, alice_auth, job_id)['minute'] == '*/1'


def test_a_deleted_job_is_gone(client, alice_auth):
    job_id = add(client, alice_auth)
    assert call(client, alice_auth, 'DELETE', f'{JOBS}/{job_id}') == {'job_id': job_id}
    assert call(client, alice_auth, 'GET', JOBS) == {'jobs': []}
    assert call(client, alice_auth, 'GET', f'{JOBS}/{job_id}', status=400) == {
        'error': f'Job not found: {job_id}'}


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
def test_an_unknown_job_is_a_400_with_the_peers_message(client, alice_auth, method):
    for job_id in ('0' * 32, 'not-an-id', 'A' * 32):
        body = EXAMPLE if method == 'PUT' else None
        assert call(client, alice_auth, method, f'{JOBS}/{job_id}', body, 400) == {
            'error': f'Job not found: {job_id}'}


def test_a_job_type_of_the_project_can_be_named_as_the_class(client, alice_auth):
    manifest = {'seedVersion': '1.0.0', 'job': {
        'name': 'resize', 'jobVersion': '1.0.0', 'packageVersion': '1.0.0', 'title': 'Resize',
        'description': 'd', 'maintainer': {'name': 'Jo', 'email': 'jo@example.com'},
        'timeout': 60}}
    call(client, alice_auth, 'POST', '/v6/job-types/', {'docker_image': None,
                                                        'manifest': manifest}, 201)
    for class_string in ('resize', 'resize:1.0.0'):
        assert job(client, alice_auth, add(client, alice_auth, job_class_string=class_string))[
            'job_class_string'] == class_string
    answer = call(client, alice_auth, 'POST', JOBS, {**EXAMPLE, 'job_class_string': 'resize:2'},
                  400)
    assert answer['error'].startswith("unknown job_class_string 'resize:2'")


def test_another_projects_jobs_are_unknown(client, alice_auth, bob_auth):
    job_id = add(client, alice_auth)
    assert call(client, bob_auth, 'GET', JOBS) == {'jobs': []}
    for method in ('GET', 'DELETE', 'PATCH', 'OPTIONS'):
        call(client, bob_auth, method, f'{JOBS}/{job_id}', status=400)
    assert job(client, alice_auth, job_id)['next_run_time'] != ''


def test_a_worker_token_neither_reads_nor_changes_jobs(client, alice_auth, worker_auth):
    job_id = add(client, alice_auth)
    for method, body in (('GET', None), ('POST', None), ('PUT', EXAMPLE), ('DELETE', None),
                         ('PATCH', None), ('OPTIONS', None)):
        path = JOBS if method == 'POST' else f'{JOBS}/{job_id}'
        answer = call(client, worker_auth, method, path, body or EXAMPLE, 403)
        assert set(answer) == {'error'}
    assert call(client, alice_auth, 'GET', f'{JOBS}/{job_id}')['job_id'] == job_id


def test_no_credentials_is_a_401_in_ndschedulers_error_form(client):
    resp = client.simulate_get(JOBS)
    assert resp.status_code == 401 and set(resp.json) == {'error'}


def test_a_null_time_zone_or_null_pub_args_mean_the_defaults(client, alice_auth):
    found = job(client, alice_auth, add(client, alice_auth, timezone=None, pub_args=None))
    assert (found['timezone'], found['pub_args']) == ('UTC', [])
    job_id = call(client, alice_auth, 'POST', JOBS, {**EXAMPLE, 'timezone': None,
                                                     'pub_args': None}, 201)['job_id']
    found = job(client, alice_auth, job_id)
    assert (found['timezone'], found['pub_args']) == ('UTC', [])
