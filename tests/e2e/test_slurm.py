"""The test Slurm cluster (`scripts/services.sh start slurm`) really runs batch jobs and job arrays.

Skipped unless FARM_TEST_SLURM=1, which `make test` sets once the cluster is up.
"""

import os

import pytest

from tests.e2e.slurm_jobs import slurm, wait_finished

pytestmark = pytest.mark.skipif(
    os.environ.get('FARM_TEST_SLURM') != '1', reason='FARM_TEST_SLURM=1 not set (no test cluster)'
)

@pytest.fixture
def sbatch(tmp_path):
    """Submit a job from tmp_path: `sbatch('--wrap', ...)` gives its id; unfinished jobs are
    cancelled after the test."""
    submitted = []

    def submit(*args: str) -> str:
        result = slurm('sbatch', '--parsable', f'--chdir={tmp_path}', '--job-name=farm-test', *args)
        assert result.returncode == 0, f'sbatch failed: {result.stderr}'
        job_id = result.stdout.strip().split(';')[0]
        submitted.append(job_id)
        return job_id

    yield submit
    if submitted:
        slurm('scancel', *submitted)


def test_a_batch_job_runs_to_completion_and_writes_its_output(sbatch, tmp_path):
    out = tmp_path / 'out'
    job_id = sbatch('--wrap', 'echo ok-$SLURM_JOB_ID', '-o', str(out))

    assert wait_finished(job_id) == {'': 'COMPLETED'}
    assert out.read_text().strip() == f'ok-{job_id}'


def test_every_task_of_a_job_array_completes(sbatch, tmp_path):
    job_id = sbatch('--array=0-2', '--wrap', 'echo task-$SLURM_ARRAY_TASK_ID', '-o',
                    str(tmp_path / 'task-%a.out'))

    assert wait_finished(job_id) == {'0': 'COMPLETED', '1': 'COMPLETED', '2': 'COMPLETED'}
    for task in range(3):
        assert (tmp_path / f'task-{task}.out').read_text().strip() == f'task-{task}'
