"""The test Slurm cluster (`scripts/services.sh start slurm`) really runs batch jobs and job arrays.

Skipped unless FARM_TEST_SLURM=1, which `make test` sets once the cluster is up. Job states come
from `scontrol show job -o`: the test cluster has no accounting, so no sacct.
"""

import os
import re
import subprocess
import time

import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get('FARM_TEST_SLURM') != '1', reason='FARM_TEST_SLURM=1 not set (no test cluster)'
)

DEADLINE_S = 60
POLL_S = 0.5
ACTIVE = {'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING'}


def command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=30)


@pytest.fixture
def sbatch(tmp_path):
    """Submit a job from tmp_path: `sbatch('--wrap', ...)` gives its id; unfinished jobs are
    cancelled after the test."""
    submitted = []

    def submit(*args: str) -> str:
        result = command('sbatch', '--parsable', f'--chdir={tmp_path}', '--job-name=farm-test', *args)
        assert result.returncode == 0, f'sbatch failed: {result.stderr}'
        job_id = result.stdout.strip().split(';')[0]
        submitted.append(job_id)
        return job_id

    yield submit
    if submitted:
        command('scancel', *submitted)


def job_states(job_id: str) -> dict[str, str]:
    """{array task id, or '' for a plain job: JobState}, one entry per record scontrol shows.

    A pending array is one record ('0-2') until its tasks start, one by one.
    """
    states = {}
    for line in command('scontrol', 'show', 'job', '-o', job_id).stdout.splitlines():
        state = re.search(r'\bJobState=(\S+)', line)
        task = re.search(r'\bArrayTaskId=(\S+)', line)
        if state:
            states[task.group(1) if task else ''] = state.group(1)
    return states


def wait_until_finished(job_id: str) -> dict[str, str]:
    """Poll until no record of the job is active; its final states."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        states = job_states(job_id)
        if states and not ACTIVE & set(states.values()):
            return states
        if time.monotonic() > deadline:
            detail = command('scontrol', 'show', 'job', '-o', job_id).stdout
            pytest.fail(f'job {job_id} not finished after {DEADLINE_S} s: {states}\n{detail}')
        time.sleep(POLL_S)


def test_a_batch_job_runs_to_completion_and_writes_its_output(sbatch, tmp_path):
    out = tmp_path / 'out'
    job_id = sbatch('--wrap', 'echo ok-$SLURM_JOB_ID', '-o', str(out))

    assert wait_until_finished(job_id) == {'': 'COMPLETED'}
    assert out.read_text().strip() == f'ok-{job_id}'


def test_every_task_of_a_job_array_completes(sbatch, tmp_path):
    job_id = sbatch('--array=0-2', '--wrap', 'echo task-$SLURM_ARRAY_TASK_ID', '-o',
                    str(tmp_path / 'task-%a.out'))

    assert wait_until_finished(job_id) == {'0': 'COMPLETED', '1': 'COMPLETED', '2': 'COMPLETED'}
    for task in range(3):
        assert (tmp_path / f'task-{task}.out').read_text().strip() == f'task-{task}'
