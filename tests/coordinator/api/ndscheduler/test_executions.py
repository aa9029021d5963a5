"""/api/v1/executions: run a job now, read executions by id and by time range, cancel one."""

import datetime
import json
import re

import pytest

from coordinator.store import firing, queue, workers
from coordinator.store.reports import Outcome, Result
from tests.coordinator.api.ndscheduler.conftest import JOBS, LOGS, add, call

EXECUTIONS = '/api/v1/executions'


def run_now(client, auth, job_id: str) -> str:
    answer = call(client, auth, 'POST', f'{EXECUTIONS}/{job_id}')
    assert set(answer) == {'execution_id'} and re.fullmatch('[0-9a-f]{32}',
                                                            answer['execution_id'])
    return answer['execution_id']


def execution(client, auth, execution_id: str) -> dict:
    return call(client, auth, 'GET', f'{EXECUTIONS}/{execution_id}')


@pytest.fixture
def agent(alice_principal) -> str:
    workers.register_worker(alice_principal, 'agent', 'node-7', 4242,
                            resources=workers.Resources(slots=4))
    return 'agent'


def finish(principal, agent: str, outcome: Outcome, **fields) -> None:
    """The agent claims the one execution queued and reports `outcome` for it."""
    (task,) = queue.claim(principal, agent, 1)
    queue.report(principal, agent, [Result(task.id, task.attempt, outcome, **fields)])


def test_running_a_job_now_answers_at_once_with_a_scheduled_execution(client, alice_auth):
    job_id = add(client, alice_auth)
    execution_id = run_now(client, alice_auth, job_id)
    found = execution(client, alice_auth, execution_id)
    scheduled = datetime.datetime.fromisoformat(found.pop('scheduled_time'))
    assert abs(scheduled - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(seconds=30)
    assert found.pop('updated_time') == scheduled.isoformat()
    job = found.pop('job')
    assert found == {'execution_id': execution_id, 'state': 'scheduled', 'hostname': '',
                     'pid': -1, 'task_id': '', 'description': '', 'result': None}
    assert (job['job_id'], job['name'], job['task_name'], job['pub_args'], job['minute'],
            job['week']) == (job_id, 'My first job',
                             'simple_scheduler.jobs.sample_job.AwesomeJob', ['arg1', 2],
                             '*/1', '*')
    (log,) = [log for log in call(client, alice_auth, 'GET', LOGS)['logs']
              if log['event'] == 'custom_run']
    assert (log['job_id'], log['description'], log['user']) == (job_id, execution_id, 'alice')


def test_a_paused_job_runs_now_too(client, alice_auth):
    job_id = add(client, alice_auth)
    call(client, alice_auth, 'PATCH', f'{JOBS}/{job_id}')
    assert execution(client, alice_auth, run_now(client, alice_auth, job_id))['state'] == \
        'scheduled'


def test_a_succeeded_execution_shows_its_result_as_indented_json_and_where_it_ran(
        client, alice_auth, alice_principal, agent):
    execution_id = run_now(client, alice_auth, add(client, alice_auth))
    (task,) = queue.claim(alice_principal, agent, 1)
    running = execution(client, alice_auth, execution_id)
    assert (running['state'], running['hostname'], running['pid']) == ('running', 'node-7', 4242)
    queue.report(alice_principal, agent, [Result(
        task.id, task.attempt, Outcome.COMPLETE, exit_code=0,
        output=json.dumps({'files': {}, 'json': {'result': {'b': [1, 2], 'a': 'x'}}}))])
    found = execution(client, alice_auth, execution_id)
    assert found['state'] == 'succeeded'
    assert found['result'] == json.dumps({'a': 'x', 'b': [1, 2]}, indent=4, sort_keys=True)


def test_a_failed_execution_shows_its_traceback_and_an_unimportable_class_a_scheduled_error(
        client, alice_auth, alice_principal, agent):
    job_id = add(client, alice_auth)
    failed = run_now(client, alice_auth, job_id)
    finish(alice_principal, agent, Outcome.FAILED, exit_code=1,
           log_tail='Traceback (most recent call last):\nValueError: boom\n')
    unimportable = run_now(client, alice_auth, job_id)
    finish(alice_principal, agent, Outcome.FAILED, exit_code=3,
           log_tail='ModuleNotFoundError: No module named simple_scheduler\n')
    found = execution(client, alice_auth, failed)
    assert (found['state'], found['result']) == (
        'failed', 'Traceback (most recent call last):\nValueError: boom\n')
    assert execution(client, alice_auth, unimportable)['state'] == 'scheduled error'


def test_executions_are_listed_by_the_time_they_were_queued_the_latest_updated_first(
        client, alice_auth, alice_principal, agent):
    job_id = add(client, alice_auth)
    first = run_now(client, alice_auth, job_id)
    second = run_now(client, alice_auth, job_id)
    finish(alice_principal, agent, Outcome.COMPLETE, exit_code=0, output='{"result": 1}')
    listed = call(client, alice_auth, 'GET', EXECUTIONS)['executions']
    assert [found['execution_id'] for found in listed] == [first, second]
    assert call(client, alice_auth, 'GET', EXECUTIONS, page='2', page_size='1')[
        'executions'][0]['execution_id'] == second
    past = {'time_range_start': '2020-01-01T00:00:00+02:00',
            'time_range_end': '2020-01-01T01:00:00+02:00'}
    assert call(client, alice_auth, 'GET', EXECUTIONS, **past)['executions'] == []
    now = datetime.datetime.now(datetime.UTC)
    around = {'time_range_start': (now - datetime.timedelta(hours=1)).astimezone(
                  datetime.timezone(datetime.timedelta(hours=-5))).isoformat(),
              'time_range_end': 'PT0S'}
    assert len(call(client, alice_auth, 'GET', EXECUTIONS, **around)['executions']) == 2


def test_fired_executions_are_listed_and_an_execution_outlives_its_job_without_it(
        client, alice_auth):
    job_id = add(client, alice_auth)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=1)
    (fired,) = firing.fire_due(soon.timestamp())  # queued as at that time
    call(client, alice_auth, 'DELETE', f'{JOBS}/{job_id}')
    listed = call(client, alice_auth, 'GET', EXECUTIONS,
                  time_range_end=soon.isoformat())['executions']
    assert [found['execution_id'] for found in listed] == [fired]
    assert 'job' not in listed[0] and listed[0]['state'] == 'scheduled'
    assert 'job' not in execution(client, alice_auth, fired)


def test_cancelling_a_running_execution_tells_its_agent_to_stop_it(
        client, alice_auth, alice_principal, agent):
    execution_id = run_now(client, alice_auth, add(client, alice_auth))
    (task,) = queue.claim(alice_principal, agent, 1)
    answer = call(client, alice_auth, 'DELETE', f'{EXECUTIONS}/{execution_id}')
    assert answer == {'execution_id': execution_id}
    assert execution(client, alice_auth, execution_id)['state'] == 'stopped'
    assert workers.heartbeat(alice_principal, agent, held=[(task.id, task.attempt)]) == [
        (task.id, task.attempt)]
    receipt = queue.report(alice_principal, agent, [Result(task.id, task.attempt,
                                                           Outcome.COMPLETE, exit_code=0)])
    assert receipt.accepted == [] and execution(client, alice_auth, execution_id)[
        'state'] == 'stopped'
    again = call(client, alice_auth, 'DELETE', f'{EXECUTIONS}/{execution_id}', status=409)
    assert 'already finished' in again['error']


def test_a_cancelled_scheduled_execution_is_never_handed_out(client, alice_auth,
                                                              alice_principal, agent):
    execution_id = run_now(client, alice_auth, add(client, alice_auth))
    call(client, alice_auth, 'DELETE', f'{EXECUTIONS}/{execution_id}')
    assert queue.claim(alice_principal, agent, 1) == []


@pytest.mark.parametrize('method', ['GET', 'DELETE', 'POST'])
@pytest.mark.parametrize('raw', ['0' * 32, 'f' * 32, 'nothing', 'A' * 32, '1' * 33])
def test_unknown_ids_are_400_with_an_error(client, alice_auth, method, raw):
    answer = call(client, alice_auth, method, f'{EXECUTIONS}/{raw}', status=400)
    assert set(answer) == {'error'} and 'not found' in answer['error']


def test_another_project_sees_and_runs_none_of_yours(client, alice_auth, bob_auth):
    job_id = add(client, alice_auth)
    execution_id = run_now(client, alice_auth, job_id)
    assert call(client, bob_auth, 'GET', EXECUTIONS)['executions'] == []
    for method, target in (('GET', execution_id), ('DELETE', execution_id), ('POST', job_id)):
        call(client, bob_auth, method, f'{EXECUTIONS}/{target}', status=400)
    assert execution(client, alice_auth, execution_id)['state'] == 'scheduled'


def test_a_worker_token_may_not_run_or_cancel(client, alice_auth, worker_auth):
    job_id = add(client, alice_auth)
    execution_id = run_now(client, alice_auth, job_id)
    call(client, worker_auth, 'POST', f'{EXECUTIONS}/{job_id}', status=403)
    call(client, worker_auth, 'DELETE', f'{EXECUTIONS}/{execution_id}', status=403)


@pytest.mark.parametrize('params', [
    {'time_range_start': 'yesterday'}, {'time_range_end': '1450000000'},
    {'time_range_start': '2026-01-02T00:00:00Z', 'time_range_end': '2026-01-01T00:00:00Z'},
    {'page': '0'}, {'page': 'two'}, {'page': '-1', 'page_size': '5'}])
def test_bad_time_ranges_and_pages_are_400_with_an_error(client, alice_auth, params):
    answer = call(client, alice_auth, 'GET', EXECUTIONS, status=400, **params)
    assert set(answer) == {'error'}
