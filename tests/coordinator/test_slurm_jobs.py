"""The allocator's Slurm calls: parsing squeue/sacct output, and every failure told as a reason."""

import re
import subprocess

import pytest

from coordinator import slurm_jobs
from coordinator.slurm_jobs import SlurmError
from coordinator.states import AllocationJobState
from farmworker.batch_script import SubmitOptions


def answering(code=0, stdout='', stderr='', raises=None):
    calls = []

    def run(argv, **kwargs):
        calls.append((argv, kwargs))
        if raises:
            raise raises
        return subprocess.CompletedProcess(argv, code, stdout, stderr)
    run.calls = calls
    return run


@pytest.mark.parametrize('slurm, tracked', [
    ('PENDING', AllocationJobState.PENDING), ('RUNNING', AllocationJobState.RUNNING),
    ('COMPLETING', AllocationJobState.RUNNING), ('COMPLETED', AllocationJobState.ENDED),
    ('CANCELLED by 1000', AllocationJobState.ENDED), ('CANCELLED+', AllocationJobState.ENDED),
    ('TIMEOUT', AllocationJobState.ENDED), ('NODE_FAIL', AllocationJobState.FAILED),
    ('OUT_OF_MEMORY', AllocationJobState.FAILED), ('WHATEVER', None), ('', None)])
def test_slurm_states_map_to_the_states_the_allocator_tracks(slurm, tracked):
    assert slurm_jobs.tracked_state(slurm) is tracked


def test_squeue_and_sacct_lines_are_parsed_and_steps_and_garbage_skipped():
    output = ('101|RUNNING|None\n102|PENDING|Priority\n103.batch|COMPLETED\n'
              'garbage\n\n104|FAILED\n')
    assert slurm_jobs.parse_states(output) == {
        '101': ('RUNNING', 'None'), '102': ('PENDING', 'Priority'), '104': ('FAILED', '')}


def test_squeue_asks_for_the_jobs_it_is_given_and_reads_their_states():
    run = answering(stdout='7|PENDING|Resources\n')
    assert slurm_jobs.squeue(['7', '8'], {}, run) == {'7': ('PENDING', 'Resources')}
    argv, kwargs = run.calls[0]
    assert argv == ['squeue', '--noheader', '--format=%i|%T|%r', '--jobs=7,8']
    assert kwargs['timeout'] == slurm_jobs.TIMEOUT_S


def test_squeue_that_knows_none_of_the_jobs_means_they_left_the_queue():
    run = answering(1, stderr='slurm_load_jobs error: Invalid job id specified\n')
    assert slurm_jobs.squeue(['7'], {}, run) == {}


@pytest.mark.parametrize('run, message', [
    (answering(1, stderr='squeue: error: slurm_receive_msg: Socket timed out\n'),
     'squeue failed: squeue: error: slurm_receive_msg: Socket timed out'),
    (answering(raises=FileNotFoundError()), 'squeue not found on PATH (set FARM_SLURM_BIN_DIR)'),
    (answering(raises=subprocess.TimeoutExpired('squeue', 30)),
     'squeue did not answer in 30 s (is slurmctld up?)'),
])
def test_a_failing_squeue_is_a_reason_not_a_crash(run, message):
    with pytest.raises(SlurmError, match=re.escape(message)):
        slurm_jobs.squeue(['7'], {}, run)


def test_without_accounting_sacct_answers_none():
    assert slurm_jobs.sacct(['7'], {}, answering(1, stderr='accounting disabled')) is None
    assert slurm_jobs.sacct(['7'], {}, answering(raises=FileNotFoundError())) is None
    assert slurm_jobs.sacct(['7'], {}, answering(stdout='7|COMPLETED\n7.batch|COMPLETED\n')) == {
        '7': ('COMPLETED', '')}


def test_scancel_names_every_job_and_its_failure_is_a_reason():
    run = answering()
    slurm_jobs.scancel(['7', '8'], {}, run)
    assert run.calls[0][0] == ['scancel', '7', '8']
    with pytest.raises(SlurmError, match='scancel failed: Kill job error'):
        slurm_jobs.scancel(['7'], {}, answering(1, stderr='Kill job error\n'))


def test_sbatch_submits_a_serve_script_and_a_refusal_is_a_reason(tmp_path):
    options = SubmitOptions(run='', command=(), time='01:00:00', log_dir=str(tmp_path),
                            url='http://login1:8080', serve=True, job_types=['render'])
    run = answering(stdout='4242\n')
    assert slurm_jobs.sbatch(options, {'PATH': '/bin'}, 'farm_secret', run) == '4242'
    argv, kwargs = run.calls[0]
    assert kwargs['env']['FARM_TOKEN'] == 'farm_secret' and 'farm_secret' not in kwargs['input']
    assert 'FARM_SERVE=1' in kwargs['input'] and 'FARM_JOB_TYPES=render' in kwargs['input']
    with pytest.raises(SlurmError, match='sbatch refused the job: Invalid qos'):
        slurm_jobs.sbatch(options, {}, 'farm_secret', answering(1, stderr='Invalid qos\n'))


def test_the_bin_dir_comes_first_on_path():
    assert slurm_jobs.environment({'PATH': '/usr/bin'}, '/opt/slurm/bin')['PATH'] == \
        '/opt/slurm/bin:/usr/bin'
    assert slurm_jobs.environment({'PATH': '/usr/bin'}, None) == {'PATH': '/usr/bin'}
