"""ndscheduler job classes run as a serve agent runs them: `farmworker job-class` as a plain
command job, in a real subprocess, its result collected from outputs.json."""

import json

import pytest

from farmworker.executors import SubprocessExecutor
from farmworker.job_classes import EXIT_BAD_PAYLOAD, EXIT_FAILED, EXIT_UNIMPORTABLE
from farmworker.seed_jobs import result_of
from tests.clock import Clock
from tests.farmworker.seed_job_kit import claimed, finish, prepared_job, start

USER_MODULE = '''
from farmworker.job_classes import JobBase

class Sum(JobBase):
    def run(self, *numbers, scale=1):
        return {"sum": sum(numbers) * scale, "job": self.job_id, "execution": self.execution_id}

class Broken(JobBase):
    def run(self):
        raise ValueError("the data is not there")

NOT_A_CLASS = 3
'''


@pytest.fixture
def execute(tmp_path):
    """Run one execution of `job_class_string`: (Finished, the result the agent reports)."""
    (tmp_path / 'user_jobs.py').write_text(USER_MODULE)
    executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())

    def execute(payload, attempt=1):
        text = payload if isinstance(payload, str) else json.dumps(payload)
        job = claimed(None, ['{farmworker}', 'job-class'], payload=text, attempt=attempt)
        prepared = prepared_job(job, tmp_path / f'task-{attempt}', PYTHONPATH=str(tmp_path))
        start(executor, prepared)
        done = finish(executor)
        return done, result_of(prepared, done, hurried=False, key='id')
    return execute


def job(job_class_string, *pub_args, **kwargs) -> dict:
    return {'input': {'job_class_string': job_class_string, 'job_id': 'j' * 32,
                      'execution_id': 'e' * 32, 'pub_args': list(pub_args), 'kwargs': kwargs}}


def test_a_users_job_class_runs_with_its_arguments_and_its_result_is_the_output(execute):
    done, result = execute(job('user_jobs.Sum', 1, 2, 3, scale=10))
    assert (done.exit_code, result['outcome']) == (0, 'complete'), done.log_tail
    assert result['output'] == {'files': {}, 'json': {'result': {
        'sum': 60, 'job': 'j' * 32, 'execution': 'e' * 32}}}


def test_a_job_that_raises_fails_with_its_traceback_in_the_log(execute):
    done, result = execute(job('user_jobs.Broken'))
    assert (done.exit_code, result['outcome']) == (EXIT_FAILED, 'failed')
    assert 'ValueError: the data is not there' in done.log_tail and 'Traceback' in done.log_tail


@pytest.mark.parametrize('class_string', ['user_jobs.Nope', 'no_such_module.Job',
                                          'user_jobs.NOT_A_CLASS', 'nodots'])
def test_a_class_that_cannot_be_imported_is_told_apart(execute, class_string):
    done, _ = execute(job(class_string))
    assert done.exit_code == EXIT_UNIMPORTABLE, done.log_tail


@pytest.mark.parametrize('payload', [{'input': {}}, {'input': {'job_class_string': 5}},
                                     {'input': {'job_class_string': 'a.B', 'pub_args': {}}},
                                     {'input': {'job_class_string': 'a.B', 'kwargs': []}}])
def test_a_payload_that_is_not_a_job_is_told_apart(execute, payload):
    done, _ = execute(payload)
    assert done.exit_code == EXIT_BAD_PAYLOAD and 'not a job' in done.log_tail


def test_the_built_in_shell_job_runs_a_command_and_fails_with_it(execute):
    done, result = execute(job('farmworker.job_classes.ShellJob', 'echo', 'hello  world'))
    assert result['output']['json']['result'] == {'returncode': 0, 'stdout': 'hello  world\n'}
    done, result = execute(job('farmworker.job_classes.ShellJob', 'false'), attempt=2)
    assert result['outcome'] == 'failed' and 'false exited 1' in done.log_tail
