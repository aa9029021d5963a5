"""Job types' jobs run end to end by the real executor: command, environment, timeout, outputs."""

import json
import os

import pytest

from coordinator.seed.validation import validate
from farmworker.executors import SubprocessExecutor
from farmworker.executors import MESSAGE_MAX_CHARS
from farmworker.seed_jobs import Unrunnable, collect, result_of
from tests.clock import Clock
from tests.farmworker.seed_job_kit import (
    AGENT_TOKEN, MANIFEST, SETTINGS, claimed, finish, launched, prepared_job, seed_manifest,
    start, write_script)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def executor(tmp_path, clock):
    return SubprocessExecutor(tmp_path / 'logs', clock=clock)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / 'data' / 'in put.csv'  # a space: one argument all the same
    path.parent.mkdir()
    path.write_text('a,b\n1,2\n3,4\n')
    return path


@pytest.fixture
def script(tmp_path):
    return write_script(tmp_path)


def run(executor, prepared):
    start(executor, prepared)
    done = finish(executor)
    return done, result_of(prepared, done, hurried=False)


def test_the_manifest_of_these_tests_is_one_the_coordinator_accepts():
    validation = validate(MANIFEST, {'settings': {'DB_HOST': 'h', 'DB_PASS': 'p'}})
    assert validation.errors == () and validation.warnings == ()


def test_a_seed_shell_script_job_runs_end_to_end(executor, tmp_path, data, script):
    job = claimed(seed_manifest(script), inputs={'INPUT_FILE': str(data), 'threshold': 0.5,
                                                  'label': 'first try'}, settings=SETTINGS)
    prepared = prepared_job(job, tmp_path / 'work')
    done, result = run(executor, prepared)
    out = tmp_path / 'work' / 'output-1'
    assert done.log_tail.splitlines() == [
        f'args: {data} {out} --label first try',
        'threshold=0.5 label=first try host=db.example.com pass=s3cret',
        f'cpus=2.0 mem=512 disk={1.0 + 2.0 * 12 / 1024 / 1024}',
        'undeclared=unset token=unset',
    ]
    assert result == {'number': 41, 'attempt': 1, 'log_tail': done.log_tail,
                      'outcome': 'complete', 'exit_code': 0,
                      'output': {'files': {'copy': [str(out / 'copy.csv')]},
                                 'json': {'line_count': 3}}}


def test_arguments_keep_their_boundaries_and_an_optional_input_left_out_leaves_none(
        executor, tmp_path, data):
    printer = write_script(tmp_path, '#!/bin/sh\nprintf "[%s]" "$@"\n', 'print-args.sh')
    manifest = seed_manifest(printer)
    job = claimed(manifest, inputs={'INPUT_FILE': str(data), 'threshold': 1})
    done, _ = run(executor, prepared_job(job, tmp_path / 'work'))
    assert done.log_tail == f'[{data}][{tmp_path / "work" / "output-1"}]'


def test_a_hostile_input_value_stays_one_argument_and_never_runs(executor, tmp_path, data):
    printer = write_script(tmp_path, '#!/bin/sh\nprintf "[%s]" "$@"\n', 'print-args.sh')
    manifest = seed_manifest(printer, command=f"{printer} ${{LABEL}} \"$LABEL\" "
                                              "'$LABEL'")
    hostile = f'x; touch {tmp_path}/pwned $(touch {tmp_path}/pwned2) `id`'
    job = claimed(manifest, inputs={'INPUT_FILE': str(data), 'threshold': 1, 'label': hostile})
    done, _ = run(executor, prepared_job(job, tmp_path / 'work'))
    assert done.log_tail == f'[{hostile}][{hostile}][$LABEL]'
    assert not (tmp_path / 'pwned').exists() and not (tmp_path / 'pwned2').exists()


def test_an_inner_shell_reads_inputs_from_its_environment(executor, tmp_path, data):
    hostile = f'"; touch {tmp_path}/pwned; echo "'
    manifest = seed_manifest(command="sh -c 'printf \"%s|\" \"$LABEL\" \"$THRESHOLD\"'")
    job = claimed(manifest, inputs={'INPUT_FILE': str(data), 'threshold': 7, 'label': hostile})
    done, result = run(executor, prepared_job(job, tmp_path / 'work'))
    assert done.log_tail == f'{hostile}|7|' and not (tmp_path / 'pwned').exists()
    assert result['outcome'] == 'failed' and 'no file in OUTPUT_DIR matches' in result['msg']


def test_a_job_past_its_timeout_is_killed_and_reported_so(executor, tmp_path, data, clock):
    job = claimed(seed_manifest(command='sleep 30'), inputs={'INPUT_FILE': str(data),
                                                             'threshold': 1})
    prepared = prepared_job(job, tmp_path / 'work')
    assert prepared.timeout_s == 60.0  # the manifest's
    start(executor, prepared)
    clock.now += 59.9
    assert executor.poll() == []
    clock.now += 0.1
    done = finish(executor)
    assert done.timed_out and done.exit_code is None
    assert result_of(prepared, done, hurried=False)['outcome'] == 'timeout'


def test_the_jobs_own_timeout_wins_over_the_manifests(tmp_path, data):
    job = claimed(seed_manifest(command='true'), inputs={'INPUT_FILE': str(data),
                                                         'threshold': 1}, timeout_s=5)
    assert prepared_job(job, tmp_path / 'w').timeout_s == 5.0
    no_timeout = claimed(None, ['true'], timeout_s=0)
    assert prepared_job(no_timeout, tmp_path / 'x').timeout_s is None


def test_a_failed_job_keeps_its_exit_code_and_collects_nothing(executor, tmp_path, data, script):
    job = claimed(seed_manifest(script), inputs={'INPUT_FILE': str(data), 'threshold': 1})
    prepared = prepared_job(job, tmp_path / 'work', EXIT_WITH='3')
    done, result = run(executor, prepared)
    assert done.exit_code == 3
    assert result['outcome'] == 'failed' and result['exit_code'] == 3 and 'output' not in result
    assert collect(prepared, 3) == ('failed', None, None)


def test_a_missing_required_output_fails_the_job_with_a_message(executor, tmp_path, data):
    job = claimed(seed_manifest(command='true'), inputs={'INPUT_FILE': str(data),
                                                         'threshold': 1})
    _, result = run(executor, prepared_job(job, tmp_path / 'work'))
    assert result['outcome'] == 'failed' and result['exit_code'] == 0
    assert result['msg'] == "the required output copy: no file in OUTPUT_DIR matches '*.csv'"


def test_a_retry_gets_an_empty_output_dir_of_its_own(executor, tmp_path, data, script):
    job = claimed(seed_manifest(script), inputs={'INPUT_FILE': str(data), 'threshold': 1})
    first = prepared_job(job, tmp_path / 'work')
    _, result = run(executor, first)
    assert result['outcome'] == 'complete'
    retry = claimed(seed_manifest(command='true'), inputs={'INPUT_FILE': str(data),
                                                           'threshold': 1}, attempt=2)
    second = prepared_job(retry, tmp_path / 'work')
    assert second.output_dir != first.output_dir and os.listdir(second.output_dir) == []
    _, result = run(executor, second)
    assert result['outcome'] == 'failed'  # the first attempt's outputs do not count


def test_a_plain_commands_retry_in_the_same_task_dir_does_not_pass_on_earlier_outputs(
        executor, tmp_path):
    writes = ['sh', '-c', 'echo \'{"n": {attempt}}\' > "$OUTPUT_DIR/outputs.json"']
    _, first = run(executor, prepared_job(claimed(None, writes), tmp_path / 'work'))
    assert first['output'] == {'files': {}, 'json': {'n': 1}}
    _, second = run(executor, prepared_job(claimed(None, ['true'], attempt=2), tmp_path / 'work'))
    assert second['outcome'] == 'complete' and second['output'] is None


def test_a_plain_command_type_gets_fields_inputs_and_settings(executor, tmp_path):
    template = ['sh', '-c', 'echo "$1 $2 $3|$INPUT_COLOUR|$INPUT_MY_SIZE|$DB_HOST"; '
                'echo "{\\"seen\\": \\"$INPUT_COLOUR\\"}" > "$OUTPUT_DIR/outputs.json"',
                'job', '{task}.{attempt}', '{colour}', '{payload}']
    job = claimed(None, template, {'colour': 'blue', 'my-size': 3}, settings=SETTINGS)
    done, result = run(executor, prepared_job(job, tmp_path / 'work'))
    payload = json.dumps({'input': {'colour': 'blue', 'my-size': 3}})
    assert done.log_tail == f'41.1 blue {payload}|blue|3|db.example.com\n'
    assert result['outcome'] == 'complete'
    assert result['output'] == {'files': {}, 'json': {'seen': 'blue'}}


def test_a_plain_commands_inputs_never_take_a_variable_the_payload_names(tmp_path):
    job = claimed(None, ['true'], {'PATH': '/evil', 'LD_PRELOAD': '/evil.so'})
    prepared = prepared_job(job, tmp_path / 'work')
    assert prepared.env['PATH'] == os.environ['PATH'] and 'LD_PRELOAD' not in prepared.env
    assert prepared.env['INPUT_PATH'] == '/evil'


def test_resources_default_to_the_nodes_share_per_slot(tmp_path):
    prepared = prepared_job(claimed(None, ['true']), tmp_path / 'work')
    assert prepared.env['ALLOCATED_CPUS'] == '4' and prepared.env['ALLOCATED_MEM'] == '8192'
    assert 'ALLOCATED_DISK' not in prepared.env


def test_the_agent_token_never_reaches_a_job_and_optional_inputs_left_out_are_unset(tmp_path,
                                                                                    data):
    job = claimed(seed_manifest(command='true'), inputs={'INPUT_FILE': str(data),
                                                         'threshold': 1})
    prepared = prepared_job(job, tmp_path / 'work', LABEL='from the agent')
    assert 'LABEL' not in prepared.env and 'FARM_TOKEN' not in prepared.env
    assert AGENT_TOKEN not in json.dumps(prepared.env)
    assert prepared.env['FARM_URL'] == 'http://coordinator:8080'
    assert json.loads(prepared.env['FARM_PAYLOAD'])['input']['threshold'] == 1


@pytest.mark.parametrize('job, says', [
    (claimed(MANIFEST, inputs={'threshold': 1}), 'the required input INPUT_FILE is missing'),
    (claimed(MANIFEST, payload='{"input": '), 'the payload is not JSON'),
    (claimed(seed_manifest(command='prog > log', inputs={})), "'>' at column 6 is shell syntax"),
    (claimed(seed_manifest(command='', inputs={})), 'the job type has no command to run'),
    (claimed(None, None), 'the job type has neither a Seed manifest nor a command'),
    (claimed(None, []), 'the job type has no command to run'),
    (claimed(None, ['echo', '{x}'], {'x': 'a\x00b'}), 'would hold a NUL character'),
    (claimed(None, ['true'], {'bad name': 1}), "the input name 'bad name' is not letters"),
    (claimed(None, ['true'], settings={'A=B': 'x'}), '"A=B" cannot name an environment variable'),
], ids=['missing-input', 'bad-payload', 'shell-syntax', 'no-command', 'no-definition',
        'empty-template', 'nul', 'bad-input-name', 'bad-setting-name'])
def test_a_job_that_cannot_start_is_a_failed_result_with_a_message(tmp_path, job, says):
    with pytest.raises(Unrunnable) as raised:
        prepared_job(job, tmp_path / 'work')
    assert says in str(raised.value) and raised.value.outcome == 'failed'
    launch = launched(job, tmp_path / 'logs')  # what the agent reports for it
    assert (launch.key, launch.attempt, launch.outcome, launch.problem, launch.argv) == (
        41, 1, 'failed', str(raised.value), None)


def test_a_message_of_a_job_that_cannot_start_is_one_the_coordinator_stores():
    message = str(Unrunnable('\x00' + 'x' * 5000))
    assert len(message) == MESSAGE_MAX_CHARS and message.startswith('\ufffdxxx')


def test_scratch_space_the_node_cannot_write_is_a_system_error(tmp_path):
    (tmp_path / 'a-file').write_text('')
    with pytest.raises(Unrunnable, match="cannot make the job's directories") as raised:
        prepared_job(claimed(seed_manifest()), tmp_path / 'a-file' / 'work')
    assert raised.value.outcome == 'system_error'


def test_a_plain_command_makes_no_directory_the_executor_makes_its_task_dir(tmp_path):
    prepared = prepared_job(claimed(None, ['true']), tmp_path / 'work')
    assert prepared.output_dir == prepared.work_dir == str(tmp_path / 'work')
    assert not (tmp_path / 'work').exists()
