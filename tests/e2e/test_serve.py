"""`farmworker serve` against a live coordinator: runs and queued jobs from one pool of agents."""

import os
import subprocess

import pytest

from coordinator.models import Task
from coordinator.store import job_types, queue, users
from coordinator.store.job_types import Definition
from tests.conftest import PASSWORD
from tests.e2e.conftest import venv_script
from tests.e2e.test_farmworker import Farm

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def farm(serve, tmp_path):
    return ServeFarm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)


class ServeFarm(Farm):
    """A Farm whose agents serve every family, and whose job types are defined in the store."""

    def alice(self):
        return users.principal_for_password('alice', PASSWORD)

    def job_type(self, name, shell_command, **fields):
        """A type whose command is `sh -c SHELL_COMMAND` ({payload} and {task} filled in)."""
        job_types.define(self.alice(), name, '1.0.0',
                         Definition(command=['sh', '-c', shell_command]), fields)

    def queue(self, name, payloads, **order):
        return queue.queue_tasks(self.alice(), name, '1.0.0',
                                 [queue.Order(payload=payload, **order) for payload in payloads])

    def server(self, *args):
        """`farmworker serve` in the background."""
        env = {**os.environ, 'FARM_URL': self.coordinator.url, 'FARM_TOKEN': self.token,
               'PATH': f'{os.path.dirname(venv_script("farmworker"))}:{os.environ["PATH"]}'}
        return subprocess.Popen(
            [venv_script('farmworker'), 'serve', '--log-dir', str(self.tmp_path / 'logs'),
             '--max-idle', '2', *args],
            env=env, cwd=self.tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def lines(path) -> list[str]:
    return sorted(path.read_text().split()) if path.exists() else []


def test_two_serve_agents_run_a_run_and_queued_jobs_each_once(farm, tmp_path, database):
    farm.job_type('echo', 'echo job-{payload} >> ran')
    farm.queue('echo', [str(n) for n in range(20)])
    status, run = farm.call('POST', '/farm/v1/runs', {
        'num_tasks': 20, 'command': ['sh', '-c', 'echo run-{task} >> ran']})
    assert status == 201, run
    agents = [farm.server('--slots', '3') for _ in range(2)]
    outputs = [agent.communicate(timeout=120)[0] for agent in agents]
    assert [agent.returncode for agent in agents] == [0, 0], outputs
    assert lines(tmp_path / 'ran') == sorted([f'job-{n}' for n in range(20)]
                                             + [f'run-{n}' for n in range(20)])
    assert {task.status for task in Task.select()} == {'complete'}
    assert farm.status(run['uuid'])['done'] == 20
    assert all('working on every job type' in output for output in outputs)


def test_max_scheduled_one_keeps_one_job_running_across_two_agents(farm, tmp_path, database):
    # each job notes when it starts and ends (ns); overlapping intervals would break the cap
    farm.job_type('single', 'echo "$(date +%s%N) start" >> log; sleep 0.3; '
                            'echo "$(date +%s%N) end" >> log', max_scheduled=1)
    farm.queue('single', ['a', 'b', 'c', 'd'])
    agents = [farm.server('--slots', '2', '--job-type', 'single') for _ in range(2)]
    outputs = [agent.communicate(timeout=120)[0] for agent in agents]
    assert [agent.returncode for agent in agents] == [0, 0], outputs
    events = [line.split()[1] for line in sorted((tmp_path / 'log').read_text().splitlines(),
                                                 key=lambda line: int(line.split()[0]))]
    assert events == ['start', 'end'] * 4


def test_a_paused_type_waits_while_another_is_served_and_runs_once_resumed(
        farm, tmp_path, database):
    farm.job_type('held', 'echo held-{payload} >> ran')
    farm.job_type('free', 'echo free-{payload} >> ran')
    farm.queue('held', ['1', '2'])
    farm.queue('free', ['1'])
    job_types.set_paused(farm.alice(), 'held', '1.0.0', True)
    agent = farm.server('--slots', '2')
    output = agent.communicate(timeout=120)[0]
    assert agent.returncode == 0, output
    assert lines(tmp_path / 'ran') == ['free-1']
    job_types.set_paused(farm.alice(), 'held', '1.0.0', False)
    agent = farm.server('--slots', '2')
    output = agent.communicate(timeout=120)[0]
    assert agent.returncode == 0, output
    assert lines(tmp_path / 'ran') == ['free-1', 'held-1', 'held-2']
