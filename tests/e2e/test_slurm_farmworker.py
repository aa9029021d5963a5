"""`farmworker submit` on the real single-node Slurm: every task done once, and a clean walltime.

Skipped unless FARM_TEST_SLURM=1 (`make test` starts the cluster: one node, 2 CPUs, KillWait=10).
The coordinator listens on 127.0.0.1, which jobs on this one node reach. Job states come from
`scontrol show job -o`, as the cluster has no accounting. Jobs a test leaves are cancelled.
"""

import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from coordinator import db
from coordinator.store import users
from coordinator.store.access import Scope
from farmworker.slurm import parse_scontrol_job
from tests.conftest import PASSWORD
from tests.e2e.conftest import free_port, venv_script
from tests.e2e.slurm_jobs import slurm, wait_finished

pytestmark = [
    pytest.mark.skipif(os.environ.get('FARM_TEST_SLURM') != '1',
                       reason='FARM_TEST_SLURM=1 not set (no test cluster)'),
    pytest.mark.timeout(300),
]

REPO = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout_s: float):
    deadline = time.monotonic() + timeout_s
    while not (value := predicate()):
        assert time.monotonic() < deadline, 'condition not reached in time'
        time.sleep(0.1)
    return value


@pytest.fixture
def slurm_jobs():
    """Job ids a test submits; whatever still runs afterwards (a failed test) is cancelled."""
    jobs: list[str] = []
    yield jobs
    if jobs:
        slurm('scancel', *jobs)


class Farm:
    """A coordinator, alice's token, and `farmworker submit` run from tmp_path."""

    def __init__(self, url, token, tmp_path, jobs):
        self.url, self.token, self.tmp_path, self.jobs = url, token, tmp_path, jobs
        self.logs = tmp_path / 'logs'

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={'Authorization': f'Bearer {self.token}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.load(resp)

    def create_run(self, num_tasks, **policy) -> str:
        return self.call('POST', '/farm/v1/runs', {'num_tasks': num_tasks, **policy})['uuid']

    def status(self, run_uuid) -> dict:
        return self.call('GET', f'/farm/v1/runs/{run_uuid}')

    def submit(self, run_uuid, shell_command, *args, env=None) -> str:
        """`farmworker submit ... -- sh -c SHELL_COMMAND`; the job id. The token goes by env."""
        env = {**os.environ, 'FARM_URL': self.url, 'FARM_TOKEN': self.token, **(env or {})}
        env = {key: value for key, value in env.items() if value is not None}
        result = subprocess.run(
            [venv_script('farmworker'), 'submit', '--run', run_uuid, '--log-dir', str(self.logs),
             '--job-name', 'farm-test', *args, '--', 'sh', '-c', shell_command],
            env=env, cwd=self.tmp_path, capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        job_id = result.stdout.strip()
        assert re.fullmatch(r'\d+', job_id), result.stdout
        self.jobs.append(job_id)
        assert self.token not in result.stdout + result.stderr
        return job_id

    def output(self, name: str) -> str:
        return (self.logs / name).read_text()

    def ran(self, name='ran') -> list[int]:
        path = self.tmp_path / name
        return sorted(int(line) for line in path.read_text().split()) if path.exists() else []


@pytest.fixture
def farm(serve, tmp_path, slurm_jobs):
    coordinator = serve(workers=2, FARM_WORKER_TTL_S='5')
    token = coordinator.cli('token', 'create', 'alice').stdout.strip()
    return Farm(coordinator.url, token, tmp_path, slurm_jobs)


@pytest.mark.parametrize('layout', [['--nodes', '1'], ['--array', '2', '--cpus', '1']],
                         ids=['whole-node', 'array'])
def test_a_submitted_job_does_every_task_exactly_once(farm, tmp_path, layout):
    run_uuid = farm.create_run(60)
    job_id = farm.submit(run_uuid, f'farmworker progress 50 half && sleep 0.2 && '
                                   f'echo {{task}} >> {tmp_path}/ran',
                         '--time', '00:05:00', '--grace', '5', *layout)

    states = wait_finished(job_id, 120)

    outputs = sorted(farm.logs.glob(f'slurm-{job_id}*.out'))
    text = '\n'.join(path.read_text() for path in outputs)
    expected = {'0': 'COMPLETED', '1': 'COMPLETED'} if '--array' in layout else {'': 'COMPLETED'}
    assert states == expected, text
    assert len(outputs) == len(expected), outputs
    assert farm.ran() == list(range(60)), text
    status = farm.status(run_uuid)
    assert (status['done'], status['waiting'], status['running'], status['failed']) == (60, 0, 0, 0)
    assert 'leaving: run finished' in text
    assert (farm.logs / run_uuid / 'task-59.1.log').exists()


# One backend only: what is under test is the agent and Slurm (the drain signal arriving, the
# agent handing tasks back before the kill), not the database, and each run waits for most of a
# one-minute walltime.
@pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)
def test_at_walltime_the_job_drains_and_hands_its_tasks_back_without_using_a_try(
        farm, tmp_path, database):
    from coordinator.models import Task

    run_uuid = farm.create_run(4, max_tries=1)  # no expected_duration_s: the agent claims
    job_id = farm.submit(run_uuid, f'echo {{task}} >> {tmp_path}/started; sleep 300',
                         '--time', '00:01:00', '--grace', '5')
    wait_for(lambda: farm.status(run_uuid)['running'] == 2, 60)  # 2 CPUs: 2 slots

    states = wait_finished(job_id, 150)

    output = farm.output(f'slurm-{job_id}.out')
    assert states == {'': 'COMPLETED'}, output  # ended by the agent, not TIMEOUT at the limit
    job = parse_scontrol_job(slurm('scontrol', 'show', 'job', '-o', job_id).stdout)
    assert job.run_time_s < 60, f'{job}\n{output}'
    assert 'draining (SIGUSR1)' in output
    assert 'leaving: SIGUSR1' in output
    assert farm.ran('started') == [0, 1]
    status = farm.status(run_uuid)
    assert (status['running'], status['waiting'], status['done'], status['failed']) == (0, 4, 0, 0)
    assert {task.failed_tries for task in Task.select()} == {0}

    # ...and they are there for the next agent: one run here claims and finishes all four
    agent = subprocess.run(
        [venv_script('farmworker'), 'run', '--run', run_uuid, '--log-dir', str(tmp_path / 'local'),
         '--', 'sh', '-c', f'echo {{task}} >> {tmp_path}/ran'],
        env={**os.environ, 'FARM_URL': farm.url, 'FARM_TOKEN': farm.token},
        capture_output=True, text=True, timeout=120, check=False)
    assert agent.returncode == 0, agent.stderr
    assert farm.ran() == [0, 1, 2, 3]
    assert farm.status(run_uuid)['done'] == 4


# USR1 to the batch shell, as --signal=B:USR1 sends it, but now rather than near a time limit.
# 'srun' runs the agent as a job step, the path jobs of several nodes take: the batch shell must
# forward the signal, and srun's signalling of the whole step must not kill the tasks.
@pytest.mark.parametrize('launch', [[], ['--srun']], ids=['exec', 'srun'])
@pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)  # Slurm under test, not the db
def test_usr1_to_the_batch_shell_drains_the_agent_and_the_job_completes(
        farm, tmp_path, database, launch):
    from coordinator.models import Task

    run_uuid = farm.create_run(4, max_tries=1)
    job_id = farm.submit(run_uuid, 'sleep 300', '--time', '00:10:00', '--grace', '2', *launch)
    wait_for(lambda: farm.status(run_uuid)['running'] == 2, 60)

    assert slurm('scancel', '--batch', '--signal=USR1', job_id).returncode == 0

    states = wait_finished(job_id, 60)
    output = farm.output(f'slurm-{job_id}.out')
    assert states == {'': 'COMPLETED'}, output
    assert 'draining (SIGUSR1): no new claims; 2 task(s)' in output
    assert ('0: farmworker:' in output) == bool(launch)  # srun --label marks the step's output
    status = farm.status(run_uuid)
    assert (status['running'], status['waiting'], status['failed']) == (0, 4, 0), output
    assert {task.failed_tries for task in Task.select()} == {0}


# One backend only: this checks coordinator.sbatch's start, URL file and stop, not the database.
@pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)
def test_the_coordinator_job_publishes_its_url_for_worker_jobs_and_withdraws_it(
        database, database_url, tmp_path, slurm_jobs):
    users.add_user('alice', PASSWORD)
    token = users.create_token('alice', Scope.USER)
    db.database.close()
    url_file = tmp_path / 'coordinator-url'
    env = {**os.environ, 'FARM_DATABASE_URL': database_url, 'FARM_DATA_DIR': str(tmp_path),
           'FARM_PORT': str(free_port()), 'FARM_URL_FILE': str(url_file), 'FARM_WORKERS': '1',
           'FARM_COORDINATOR': venv_script('farm-coordinator')}
    env.pop('FARM_URL', None)
    submitted = subprocess.run(
        ['sbatch', '--parsable', '--job-name=farm-test', '--cpus-per-task=1', '--mem=1G',
         '--time=5', f'--chdir={tmp_path}', f'--output={tmp_path}/coordinator.out',
         str(REPO / 'slurm' / 'coordinator.sbatch')],
        env=env, capture_output=True, text=True, timeout=30, check=False)
    assert submitted.returncode == 0, submitted.stderr
    coordinator_job = submitted.stdout.strip()
    slurm_jobs.append(coordinator_job)

    url = wait_for(lambda: url_file.exists() and url_file.read_text().strip(), 60)
    assert url == f'http://{os.uname().nodename}:{env["FARM_PORT"]}'
    farm = Farm(url, token, tmp_path, slurm_jobs)
    run_uuid = farm.create_run(10)
    job_id = farm.submit(run_uuid, f'echo {{task}} >> {tmp_path}/ran', '--array', '1', '--cpus',
                         '1', '--time', '5:00', '--grace', '5', '--url-file', str(url_file),
                         env={'FARM_URL': None})
    assert wait_finished(job_id, 120) == {'0': 'COMPLETED'}, farm.output(f'slurm-{job_id}_0.out')
    assert farm.ran() == list(range(10))

    slurm('scancel', coordinator_job)
    wait_finished(coordinator_job, 60)
    assert not url_file.exists(), (tmp_path / 'coordinator.out').read_text()
