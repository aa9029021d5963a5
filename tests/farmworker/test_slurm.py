"""Slurm support: time strings, scontrol records, the job environment, and degrading off-cluster."""

import logging
import subprocess

import pytest

from farmworker import slurm
from farmworker.slurm import SlurmJob, parse_duration, parse_scontrol_job, query_job, walltime_end

from .scontrol_samples import ARRAY_TASK, FREE_TEXT, RUNNING, RUNNING_MULTILINE, UNLIMITED


def record(job_name: str = 'sweep', command: str = '/x.sh', run_time: str = '00:00:05',
           time_limit: str = '00:01:00', state: str = 'RUNNING', job_id: str = '42') -> str:
    """A one-line record with the fields that matter and the free-text ones set."""
    return (f'JobId={job_id} JobName={job_name} UserId=alice(1000) GroupId=alice(1000) '
            f'JobState={state} Reason=None RunTime={run_time} TimeLimit={time_limit} '
            f'TimeMin=N/A Partition=debug Command={command} WorkDir=/tmp Power=\n')


def completed(stdout: str = '', returncode: int = 0, stderr: str = ''):
    return subprocess.CompletedProcess(['scontrol'], returncode, stdout=stdout, stderr=stderr)


class FakeRun:
    """Stands in for subprocess.run: records each call, then answers or raises."""

    def __init__(self, result=None, error: BaseException | None = None):
        self.result, self.error, self.calls = result, error, []

    def __call__(self, argv, **kwargs):
        self.calls.append((argv, kwargs))
        if self.error is not None:
            raise self.error
        return self.result


# --- time strings -----------------------------------------------------------------------------

@pytest.mark.parametrize('text, seconds', [
    ('5', 300),                  # MM
    ('90', 5400),                # minutes are not range-checked, as in Slurm
    ('05:30', 330),              # MM:SS
    ('00:01:00', 60),            # HH:MM:SS, how scontrol prints a 1-minute limit
    ('12:00:00', 43200),
    ('1-0', 86400),              # D-HH
    ('2-12', 216000),
    ('1-02:03', 93780),          # D-HH:MM
    ('1-00:00:00', 86400),       # D-HH:MM:SS, how scontrol prints a day
    ('3-04:05:06', 273906),
    (' 00:00:05\n', 5),          # surrounding whitespace
    ('0', 0),
])
def test_slurm_time_formats_parse_to_seconds(text, seconds):
    assert parse_duration(text) == seconds
    assert isinstance(parse_duration(text), float)


@pytest.mark.parametrize('text', [
    'UNLIMITED', 'unlimited', 'INFINITE', 'NOT_SET', 'N/A', '', '   ', 'Partition_Limit',
    'INVALID', '-1',
])
def test_unlimited_and_unset_times_have_no_duration(text):
    assert parse_duration(text) is None


@pytest.mark.parametrize('text', [
    'soon', '1:2:3:4', '1-2:3:4:5', '-5', '1.5', '00:01:', ':30', '1--2', '1-', 'x1', '1h',
    '9' * 5000, None, 60,
])
def test_garbage_times_parse_to_none_without_raising(text):
    assert parse_duration(text) is None


# --- scontrol records -------------------------------------------------------------------------

def test_a_running_job_record_gives_state_limit_and_run_time():
    job = parse_scontrol_job(RUNNING)
    assert job == SlurmJob(job_id='42', state='RUNNING', time_limit_s=60.0, run_time_s=5.0)
    assert job.remaining_s == 55.0


def test_the_multi_line_layout_parses_like_the_one_liner():
    assert parse_scontrol_job(RUNNING_MULTILINE) == parse_scontrol_job(RUNNING)


def test_an_unlimited_job_has_no_remaining_time():
    job = parse_scontrol_job(UNLIMITED)
    assert job.job_id == '7'
    assert job.time_limit_s is None
    assert job.run_time_s == 273906.0
    assert job.remaining_s is None


def test_an_array_task_is_known_by_its_own_job_id():
    job = parse_scontrol_job(ARRAY_TASK)
    assert job.job_id == '12'
    assert job.time_limit_s == 86400.0
    assert job.remaining_s == 86400.0 - 600.0


def test_free_text_with_spaces_and_equals_signs_does_not_break_the_record():
    assert parse_scontrol_job(FREE_TEXT) == SlurmJob('43', 'RUNNING', 3600.0, 150.0)

def test_a_job_name_with_spaces_does_not_break_the_record():
    job = parse_scontrol_job(record(job_name='my job  with spaces'))
    assert (job.job_id, job.state, job.remaining_s) == ('42', 'RUNNING', 55.0)


def test_a_job_name_that_looks_like_fields_cannot_shadow_the_real_ones():
    job = parse_scontrol_job(record(job_name='x JobState=FAKE TimeLimit=9-00:00:00 RunTime=0'))
    assert (job.state, job.time_limit_s, job.run_time_s) == ('RUNNING', 60.0, 5.0)


def test_a_command_with_equals_signs_does_not_override_earlier_fields():
    job = parse_scontrol_job(record(command='/x.sh a=b RunTime=99:00:00 --opt=TimeLimit=1'))
    assert (job.time_limit_s, job.run_time_s) == (60.0, 5.0)


def test_only_the_first_record_is_read_when_scontrol_prints_several():
    output = record(job_id='12', run_time='00:00:10') + record(job_id='13', run_time='00:00:50')
    assert parse_scontrol_job(output) == SlurmJob('12', 'RUNNING', 60.0, 10.0)


def test_fields_are_never_borrowed_from_the_next_record():
    output = 'JobId=12 JobName=a UserId=alice(1000) JobState=PENDING\n' + record(job_id='13')
    assert parse_scontrol_job(output) == SlurmJob('12', 'PENDING', None, None)

def test_a_job_without_its_own_limit_shows_partition_limit_and_has_no_remaining_time():
    assert parse_scontrol_job(record(time_limit='Partition_Limit')).remaining_s is None


def test_a_job_past_its_limit_has_zero_remaining_not_negative():
    # slurmctld enforces limits on a periodic sweep, so RunTime can pass TimeLimit for a while.
    assert parse_scontrol_job(record(run_time='00:01:20')).remaining_s == 0.0


def test_a_pending_job_has_its_whole_limit_remaining():
    job = parse_scontrol_job(record(state='PENDING', run_time='00:00:00', time_limit='2:00:00'))
    assert (job.state, job.remaining_s) == ('PENDING', 7200.0)


def test_missing_fields_are_unknown_rather_than_an_error():
    job = parse_scontrol_job('JobId=5 JobName=x')
    assert job == SlurmJob('5', None, None, None)
    assert job.remaining_s is None


@pytest.mark.parametrize('output', [
    '', '\n', 'slurm_load_jobs error: Invalid job id specified', 'No jobs in the system',
    'JobName=x JobState=RUNNING', 'JobId= JobName=x',
])
def test_output_without_a_job_id_is_no_job(output):
    assert parse_scontrol_job(output) is None


# --- environment ------------------------------------------------------------------------------

def test_the_job_id_comes_from_slurm_job_id():
    assert slurm.job_id_from_env({'SLURM_JOB_ID': '42', 'SLURM_JOBID': '41'}) == '42'


def test_the_older_slurm_jobid_is_a_fallback():
    assert slurm.job_id_from_env({'SLURM_JOBID': '41'}) == '41'
    assert slurm.job_id_from_env({'SLURM_JOB_ID': '', 'SLURM_JOBID': '41'}) == '41'


def test_outside_slurm_there_is_no_job_id():
    assert slurm.job_id_from_env({}) is None
    assert slurm.job_id_from_env({'SLURM_JOB_ID': '  '}) is None


@pytest.mark.parametrize('environ, cpus', [
    ({'SLURM_CPUS_ON_NODE': '8'}, 8),
    ({'SLURM_CPUS_ON_NODE': '8', 'SLURM_JOB_CPUS_PER_NODE': '4'}, 8),
    ({'SLURM_JOB_CPUS_PER_NODE': '4'}, 4),
    ({'SLURM_JOB_CPUS_PER_NODE': '4(x2)'}, 4),
    ({'SLURM_JOB_CPUS_PER_NODE': '2,4(x3)'}, 2),
    ({'SLURM_JOB_CPUS_PER_NODE': '72(x2),36'}, 72),
    ({'SLURM_CPUS_ON_NODE': 'lots', 'SLURM_JOB_CPUS_PER_NODE': '6'}, 6),
])
def test_cpus_come_from_the_allocation(environ, cpus):
    assert slurm.cpus_from_env(environ) == cpus


@pytest.mark.parametrize('environ', [
    {}, {'SLURM_CPUS_ON_NODE': ''}, {'SLURM_CPUS_ON_NODE': 'four'},
    {'SLURM_JOB_CPUS_PER_NODE': '(x2)'}, {'SLURM_JOB_CPUS_PER_NODE': '4x'},
    {'SLURM_CPUS_ON_NODE': '0'}, {'SLURM_CPUS_ON_NODE': '-2'},
])
def test_cpus_are_unknown_when_unset_or_unreadable(environ):
    assert slurm.cpus_from_env(environ) is None


# --- the scontrol call ------------------------------------------------------------------------

def test_query_job_runs_scontrol_once_with_a_timeout_and_no_shell():
    run = FakeRun(completed(RUNNING))
    assert query_job('42', run=run, timeout_s=3) == parse_scontrol_job(RUNNING)
    [(argv, kwargs)] = run.calls
    assert argv == ['scontrol', 'show', 'job', '-o', '42']
    assert kwargs == {'capture_output': True, 'text': True, 'timeout': 3}


@pytest.mark.parametrize('run, reason', [
    (FakeRun(error=FileNotFoundError(2, 'No such file or directory', 'scontrol')), 'cannot run'),
    (FakeRun(error=PermissionError(13, 'Permission denied', 'scontrol')), 'cannot run'),
    (FakeRun(error=subprocess.TimeoutExpired(['scontrol'], 10)), 'timed out'),
    (FakeRun(completed('', 1, 'slurm_load_jobs error: Invalid job id specified\n')),
     'Invalid job id'),
    (FakeRun(completed('', 1, 'slurm_load_jobs error: Unable to contact slurm controller')),
     'Unable to contact'),
    (FakeRun(completed('something unexpected\n')), 'no job record'),
])
def test_query_job_degrades_to_none_with_one_warning(run, reason, caplog):
    with caplog.at_level(logging.WARNING, logger=slurm.__name__):
        assert query_job('42', run=run) is None
    [warning] = caplog.records
    assert warning.levelno == logging.WARNING
    assert reason in warning.getMessage()


def test_a_running_job_ends_when_its_remaining_time_is_up():
    run = FakeRun(completed(RUNNING))
    assert walltime_end({'SLURM_JOB_ID': '42'}, now=1000.0, run=run) == 1055.0
    assert run.calls[0][0][-1] == '42'


def test_an_array_task_asks_about_its_own_job_id():
    run = FakeRun(completed(ARRAY_TASK))
    environ = {'SLURM_JOB_ID': '12', 'SLURM_ARRAY_JOB_ID': '10', 'SLURM_ARRAY_TASK_ID': '2'}
    assert walltime_end(environ, now=0.0, run=run) == 85800.0
    assert run.calls[0][0][-1] == '12'


def test_an_unlimited_job_has_no_walltime_end():
    assert walltime_end({'SLURM_JOB_ID': '7'}, now=0.0, run=FakeRun(completed(UNLIMITED))) is None


def test_off_cluster_there_is_no_walltime_end_and_nothing_is_run(caplog):
    run = FakeRun(error=AssertionError('scontrol must not be called'))
    with caplog.at_level(logging.WARNING):
        assert walltime_end({}, now=0.0, run=run) is None
    assert run.calls == []
    assert caplog.records == []


def test_scontrol_missing_degrades_to_no_walltime():
    run = FakeRun(error=FileNotFoundError(2, 'No such file or directory', 'scontrol'))
    assert walltime_end({'SLURM_JOB_ID': '42'}, now=0.0, run=run) is None


def test_a_hung_controller_degrades_to_no_walltime():
    run = FakeRun(error=subprocess.TimeoutExpired(['scontrol'], 10))
    assert walltime_end({'SLURM_JOBID': '42'}, now=0.0, run=run) is None
