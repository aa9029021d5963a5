"""ndscheduler jobs against live coordinators: run now and fired by the engine, executed by a
real `farmworker serve` that imports the user's job classes."""

import json
import os
import subprocess
import time

import pytest

from coordinator.models import Schedule
from tests.e2e.conftest import venv_script
from tests.e2e.test_farmworker import Farm

pytestmark = pytest.mark.timeout(180)

USER_MODULE = '''
from farmworker.job_classes import JobBase

class Greet(JobBase):
    def run(self, *names, greeting="hello"):
        return {"said": [f"{greeting} {name}" for name in names], "job": self.job_id}

class Broken(JobBase):
    def run(self, *args, **kwargs):
        raise ValueError("the data is not there")
'''


@pytest.fixture
def farm(serve, tmp_path):
    (tmp_path / 'e2e_user_jobs.py').write_text(USER_MODULE)
    return Farm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)


def add_job(farm, class_name: str, **fields) -> str:
    status, answer = farm.call('POST', '/api/v1/jobs', {
        'name': class_name, 'job_class_string': f'e2e_user_jobs.{class_name}',
        'minute': '*/1', **fields})
    assert status == 201, answer
    return answer['job_id']


def execution(farm, execution_id: str) -> dict:
    status, found = farm.call('GET', f'/api/v1/executions/{execution_id}')
    assert status == 200, found
    return found


def serve_agent(farm, tmp_path) -> subprocess.Popen:
    """`farmworker serve` with the user's module on its PYTHONPATH, until idle for 2 s."""
    env = {**os.environ, 'FARM_URL': farm.coordinator.url, 'FARM_TOKEN': farm.token,
           'PYTHONPATH': str(tmp_path),
           'PATH': f'{os.path.dirname(venv_script("farmworker"))}:{os.environ["PATH"]}'}
    return subprocess.Popen(
        [venv_script('farmworker'), 'serve', '--log-dir', str(tmp_path / 'logs'),
         '--max-idle', '2'], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)


def test_run_now_executions_succeed_with_their_result_or_fail_with_their_traceback(
        farm, tmp_path):
    greet = add_job(farm, 'Greet', pub_args=['ada', 'bob'], greeting='hi')
    broken = add_job(farm, 'Broken')
    for job_id in (greet, broken):  # paused: only the runs below execute
        assert farm.call('PATCH', f'/api/v1/jobs/{job_id}')[0] == 200
    ran = {}
    for job_id in (greet, broken):
        status, answer = farm.call('POST', f'/api/v1/executions/{job_id}')
        assert status == 200, answer
        ran[job_id] = answer['execution_id']
        assert execution(farm, ran[job_id])['state'] == 'scheduled'
    agent = serve_agent(farm, tmp_path)
    output = agent.communicate(timeout=120)[0]
    assert agent.returncode == 0, output
    succeeded = execution(farm, ran[greet])
    assert succeeded['state'] == 'succeeded', succeeded
    assert json.loads(succeeded['result']) == {'said': ['hi ada', 'hi bob'], 'job': greet}
    assert succeeded['hostname'] and succeeded['pid'] > 0
    failed = execution(farm, ran[broken])
    assert failed['state'] == 'failed', failed
    assert 'Traceback' in failed['result'] and 'ValueError: the data is not there' in \
        failed['result']
    status, listed = farm.call('GET', '/api/v1/executions')
    assert {found['execution_id']: found['state'] for found in listed['executions']} == {
        ran[greet]: 'succeeded', ran[broken]: 'failed'}


def test_the_engine_fires_a_due_job_once_across_coordinator_processes(farm, tmp_path,
                                                                      database):
    # a job that fires next in twelve hours, made due now as after a fire missed within the
    # grace: the engine of one of the coordinator's processes fires it, once
    hour = (time.gmtime().tm_hour + 12) % 24
    job_id = add_job(farm, 'Greet', pub_args=['cron'], hour=str(hour), minute='0')
    Schedule.update(next_fire_at=time.time() - 5).where(Schedule.public_id == job_id).execute()
    listed = []
    deadline = time.monotonic() + 30
    while not listed and time.monotonic() < deadline:
        time.sleep(0.2)
        listed = farm.call('GET', '/api/v1/executions')[1]['executions']
    time.sleep(2)  # every coordinator process has made a pass since
    listed = farm.call('GET', '/api/v1/executions')[1]['executions']
    assert len(listed) == 1, listed
    agent = serve_agent(farm, tmp_path)
    output = agent.communicate(timeout=120)[0]
    assert agent.returncode == 0, output
    found = execution(farm, listed[0]['execution_id'])
    assert found['state'] == 'succeeded', found
    assert json.loads(found['result']) == {'said': ['hello cron'], 'job': job_id}
    assert found['job']['job_id'] == job_id


def test_running_a_taskfarm_run_job_now_creates_a_run_a_serve_agent_finishes(farm, tmp_path):
    status, answer = farm.call('POST', '/api/v1/jobs', {
        'name': 'nightly sweep', 'job_class_string': 'farmworker.job_classes.TaskfarmRunJob',
        'hour': '2', 'num_tasks': 5, 'command': ['sh', '-c', 'echo swept-{task} >> swept']})
    assert status == 201, answer
    status, ran = farm.call('POST', f'/api/v1/executions/{answer["job_id"]}')
    assert status == 200, ran
    created = execution(farm, ran['execution_id'])
    assert created['state'] == 'succeeded', created
    run_uuid = json.loads(created['result'])['run']
    agent = serve_agent(farm, tmp_path)
    output = agent.communicate(timeout=120)[0]
    assert agent.returncode == 0, output
    assert sorted((tmp_path / 'swept').read_text().split()) == [f'swept-{n}' for n in range(5)]
    status, run = farm.call('GET', f'/farm/v1/runs/{run_uuid}')
    assert (run['done'], run['state'], run['name']) == (5, 'finished', 'nightly sweep'), run
