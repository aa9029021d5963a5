"""A Seed job type defined and queued over /v6/, run by a real `farmworker serve`, read back.

Its command is a shell script: a job that succeeds leaves its outputs, one that exits with a
code its manifest maps fails under that error's category, and a job whose agent is killed
shows in /v6/job-types/system-failures/ as node-lost.
"""

import copy
import os
import signal
import subprocess
import time

import psutil
import pytest
import requests

from tests.coordinator.seed.manifests import MINIMAL
from tests.e2e.conftest import venv_script

pytestmark = pytest.mark.timeout(180)

SCRIPT = """#!/bin/sh
# the job: $1 says what to do; it leaves its outputs in OUTPUT_DIR
case "$1" in
  ok) echo '{"lines": 3}' > "$OUTPUT_DIR/seed.outputs.json"; echo "$GREETING" > "$2" ;;
  bad) exit 3 ;;
  hang) sleep 600 ;;
esac
"""


def manifest(script) -> dict:
    made = copy.deepcopy(MINIMAL)
    made['job'].update(name='count-lines', jobVersion='1.0.0', interface={
        'command': f'{script} ${{MODE}} ${{OUTPUT_DIR}}/greeting.txt',
        'inputs': {'json': [{'name': 'MODE', 'type': 'string'}]},
        'outputs': {'files': [{'name': 'GREETING', 'pattern': 'greeting.txt',
                               'required': False}],
                    'json': [{'name': 'lines', 'type': 'integer', 'required': False}]},
        'settings': [{'name': 'GREETING', 'secret': True}]},
        errors=[{'code': 3, 'name': 'bad-input-data', 'title': 'Bad input data',
                 'category': 'data'}])
    return made


class Scale:
    """alice's calls to /v6/ on a live coordinator, and serve agents of her token."""

    def __init__(self, coordinator, tmp_path):
        self.coordinator, self.tmp_path = coordinator, tmp_path
        self.token = coordinator.cli('token', 'create', 'alice').stdout.strip()
        self.auth = {'Authorization': f'Bearer {self.token}'}

    def call(self, method, path, body=None, status=200):
        resp = requests.request(method, self.coordinator.url + path, json=body,
                                headers=self.auth, timeout=10)
        assert resp.status_code == status, resp.text
        return resp.json()

    def queue(self, mode) -> int:
        return self.call('POST', '/v6/job-types/count-lines/1.0.0/jobs/',
                         {'input': {'MODE': mode}}, 201)['id']

    def job(self, job_id) -> dict:
        return self.call('GET', f'/v6/jobs/{job_id}/')

    def agent(self, *args):
        env = {**os.environ, 'FARM_URL': self.coordinator.url, 'FARM_TOKEN': self.token}
        return subprocess.Popen([venv_script('farmworker'), 'serve', '--log-dir',
                                 str(self.tmp_path / 'logs'), *args],
                                env=env, cwd=self.tmp_path, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def wait_for(self, predicate, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while not predicate():
            assert time.monotonic() < deadline, 'condition not reached in time'
            time.sleep(0.2)


@pytest.fixture
def scale(serve, tmp_path):
    scale = Scale(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)
    script = tmp_path / 'count-lines.sh'
    script.write_text(SCRIPT)
    script.chmod(0o755)
    scale.call('POST', '/v6/job-types/', {
        'manifest': manifest(script), 'docker_image': None, 'max_tries': 1,
        'configuration': {'settings': {'GREETING': 'hello from a secret'}}}, 201)
    return scale


def test_a_seed_shell_script_job_runs_end_to_end_and_a_mapped_exit_is_its_category(scale):
    good, bad = scale.queue('ok'), scale.queue('bad')
    agent = scale.agent('--max-idle', '2', '--slots', '2')
    output, _ = agent.communicate(timeout=120)
    assert agent.returncode == 0, output
    done = scale.job(good)
    assert done['status'] == 'COMPLETED', done
    assert done['output']['json'] == {'lines': 3}
    (greeting,) = done['output']['files']['GREETING']
    assert open(greeting).read() == 'hello from a secret\n'
    failed = scale.job(bad)
    assert (failed['status'], failed['exit_code'], failed['error']) == (
        'FAILED', 3, {'category': 'DATA', 'name': 'bad-input-data'})
    assert 'hello from a secret' not in str(scale.call('GET', '/v6/job-types/count-lines/1.0.0/'))


def test_a_killed_agents_job_shows_in_system_failures(scale):
    hung = scale.queue('hang')
    agent = scale.agent('--slots', '1')
    scale.wait_for(lambda: scale.job(hung)['status'] == 'RUNNING')
    tree = psutil.Process(agent.pid).children(recursive=True)
    agent.send_signal(signal.SIGKILL)
    for child in tree:
        child.kill()
    agent.wait(10)
    scale.wait_for(lambda: scale.job(hung)['status'] == 'FAILED', timeout_s=60)
    assert scale.job(hung)['error'] == {'category': 'SYSTEM', 'name': 'node-lost'}
    failures = scale.call('GET', '/v6/job-types/system-failures/')['results']
    assert [(row['job_type']['name'], row['error']['name'], row['count'])
            for row in failures] == [('count-lines', 'node-lost', 1)]
