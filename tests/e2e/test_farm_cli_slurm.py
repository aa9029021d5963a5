"""`farm submit --nodes 1 --time ...` on the real single-node Slurm: the run completes, every task once.

Skipped unless FARM_TEST_SLURM=1, like the other Slurm tests (`make test` starts the cluster).
"""

import os
import re

import pytest

from tests.e2e.slurm_jobs import slurm, wait_finished
from tests.e2e.test_farm_cli import Farm, ran

pytestmark = [
    pytest.mark.skipif(os.environ.get('FARM_TEST_SLURM') != '1',
                       reason='FARM_TEST_SLURM=1 not set (no test cluster)'),
    pytest.mark.timeout(240),
    # what is under test is farm, sbatch and the agent, not the database
    pytest.mark.parametrize('database_url', ['sqlite'], indirect=True),
]


@pytest.fixture
def farm(serve, tmp_path):
    farm = Farm(serve(workers=2, FARM_WORKER_TTL_S='5'), tmp_path)
    jobs = farm.jobs = []
    yield farm
    if jobs:
        slurm('scancel', *jobs)  # whatever a failed test left running


def test_a_slurm_submit_completes_the_run_and_wait_exits_0(farm, tmp_path):
    facts = farm.submit('--nodes', 1, '--time', '00:05:00', '--tasks', 20, '--', 'sh', '-c',
                        f'echo {{task}} >> {tmp_path}/ran')
    workers = facts['workers']
    assert workers['kind'] == 'slurm' and re.fullmatch(r'\d+', workers['job_id']), workers
    farm.jobs.append(workers['job_id'])
    run_uuid = facts['run']['uuid']

    wait = farm('run', 'wait', run_uuid, '--poll', '0.5', '--timeout', '150', timeout=180)

    output = '\n'.join(path.read_text() for path in (tmp_path / 'logs').glob('slurm-*.out'))
    assert wait.returncode == 0, wait.stdout + wait.stderr + output
    assert ran(tmp_path / 'ran') == list(range(20))
    assert wait_finished(workers['job_id'], 60) == {'': 'COMPLETED'}, output
    script = slurm('scontrol', 'write', 'batch_script', workers['job_id'], '-').stdout
    assert farm.token not in script
