"""`farm job-type queue` against a live coordinator: the seed document's type takes a job."""

import json
import os
import subprocess

import pytest
import requests

from tests.coordinator.seed.manifests import POST_EXAMPLE
from tests.e2e.conftest import venv_script

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def farm(serve, tmp_path):
    """`farm ARGS...` as alice, against a coordinator that has the example type test 1.0.0."""
    coordinator = serve(workers=1)
    token = coordinator.cli('token', 'create', 'alice').stdout.strip()
    auth = {'Authorization': f'Bearer {token}'}
    defined = requests.post(f'{coordinator.url}/v6/job-types/', headers=auth, timeout=10,
                            json=json.loads(POST_EXAMPLE.read_text()))
    assert defined.status_code == 201, defined.text
    env = {**os.environ, 'FARM_URL': coordinator.url, 'FARM_TOKEN': token,
           'XDG_CONFIG_HOME': str(tmp_path / 'config')}
    env.pop('FARM_CONFIG', None)

    def run(*args):
        return subprocess.run([venv_script('farm'), *map(str, args)], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)

    run.read = lambda path: requests.get(f'{coordinator.url}{path}', headers=auth,
                                         timeout=10).json()
    return run


def test_a_job_queued_from_the_command_line_is_read_back_at_v6_jobs(farm, tmp_path):
    (tmp_path / 'inputs.json').write_text('{"INPUT_TEXT": "/data/in.txt", "READ_LENGTH": 10}')
    result = farm('job-type', 'queue', 'test', '1.0.0', '--input', '@inputs.json',
                  '--priority', 5, '--json')
    assert result.returncode == 0, result.stderr
    job = json.loads(result.stdout)
    assert farm.read(f"/v6/jobs/{job['id']}/") == job
    assert (job['status'], job['priority'], job['input']) == (
        'QUEUED', 5, {'INPUT_TEXT': '/data/in.txt', 'READ_LENGTH': 10})
    said = farm('job-type', 'queue', 'test', '1.0.0', '--input', '{"INPUT_TEXT": "/a"}')
    assert said.returncode == 1 and said.stderr == (
        "farm: the input does not fit the job type: input 'READ_LENGTH' is required\n")
    assert farm.read('/v6/jobs/')['count'] == 1
