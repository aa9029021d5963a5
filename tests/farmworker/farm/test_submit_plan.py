"""`farm submit` arguments become the run to create and the workers to start, or one clear refusal."""

import io

import pytest

from farmworker import batch_script
from farmworker.farm import submit
from farmworker.farm.cli import build_parser
from farmworker.farm.session import FarmError

URL = 'http://login1:8080'
NASTY = """a b  'single' "double" $HOME ${HOME} `date` ; \\ * {task}"""


def plan(*argv, stdin=''):
    args = build_parser().parse_args(['submit', *map(str, argv)])
    return submit.plan(args, URL, stdin=io.StringIO(stdin))


def test_the_run_body_carries_the_command_template_and_the_policy():
    the_plan = plan('--tasks', '30', '--name', 'sweep', '--max-tries', '3', '--timeout', '60',
                    '--expected-duration', '20', '--', 'sh', '-c', 'echo {task}')
    assert the_plan.body == {'command': ['sh', '-c', 'echo {task}'], 'num_tasks': 30,
                             'name': 'sweep', 'max_tries': 3, 'task_timeout_s': 60.0,
                             'expected_duration_s': 20.0}
    assert the_plan.local_slots is None and the_plan.slurm is None


def test_options_after_the_double_dash_belong_to_the_task():
    the_plan = plan('--tasks', '2', '--local', '2', '--', './sim', '--json', '--tasks', '{task}')
    assert the_plan.body['command'] == ['./sim', '--json', '--tasks', '{task}']
    assert the_plan.local_slots == 2


def test_each_line_keeps_lines_verbatim_and_skips_blank_ones(tmp_path):
    lines = tmp_path / 'lines.txt'
    lines.write_text(f'{NASTY}\n\n   \nsecond line \r\n')
    the_plan = plan('--each-line', lines, '--', 'echo', '{line}')
    assert the_plan.body['inputs'] == [NASTY, 'second line ']
    assert the_plan.body['command'] == ['echo', '{line}'] and 'num_tasks' not in the_plan.body


def test_from_file_runs_each_line_through_sh_and_skips_comments():
    the_plan = plan('--from-file', '-', stdin='# a comment\necho "a b" > out\n  # indented\n')
    assert the_plan.body['command'] == ['sh', '-c', '{line}']
    assert the_plan.body['inputs'] == ['echo "a b" > out']


@pytest.mark.parametrize('argv, message', [
    (['--', 'echo', '{task}'], 'give --tasks N'),
    (['--tasks', '0', '--', 'echo'], '--tasks must be at least 1'),
    (['--tasks', '3'], 'no task command'),
    (['--tasks', '3', '--', 'echo', '{line}'], '{line} needs input lines'),
    (['--each-line', '-', '--', 'echo', '{task}'], 'must say where the line goes'),
    (['--each-line', '-', '--tasks', '5', '--', 'echo', '{line}'], '--tasks 5 but 2 lines'),
    (['--from-file', '-', '--', 'echo'], 'give no command after --'),
    (['--from-file', '-', '--each-line', '-'], 'pick one'),
    (['--tasks', '3', '--local', '2', '--nodes', '1', '--time', '10', '--', 'x'], 'pick one'),
    (['--tasks', '3', '--local', '0', '--', 'x'], 'at least 1'),
    (['--tasks', '3', '--nodes', '1', '--', 'x'], 'needs its walltime'),
    (['--tasks', '3', '--nodes', '1', '--time', 'soon', '--', 'x'], 'not a finite walltime'),
    (['--tasks', '3', '--local', '2', '--slots', '4', '--', 'x'], '--slots: only for a Slurm job'),
], ids=['no-count', 'zero', 'no-command', 'line-without-inputs', 'each-line-without-line',
        'count-mismatch', 'from-file-with-command', 'two-sweeps', 'local-and-slurm', 'no-slots',
        'no-time', 'bad-time', 'slurm-option-without-slurm'])
def test_mistakes_are_refused_before_anything_is_created(argv, message):
    with pytest.raises(FarmError, match=message.replace('{', r'\{').replace('}', r'\}')):
        plan(*argv, stdin='one\ntwo\n')


def test_slurm_options_are_checked_and_carry_the_coordinator_and_the_command():
    the_plan = plan('--tasks', '4', '--nodes', '2', '--time', '00:05:00', '--array', '3',
                    '--', 'sh', '-c', 'echo {task}')
    options = the_plan.slurm
    assert (options.nodes, options.array, options.time, options.url) == (2, 3, '00:05:00', URL)
    assert options.command == ['sh', '-c', 'echo {task}']


def test_a_from_file_sweep_reaches_the_batch_script_as_sh_c_with_the_line_placeholder():
    the_plan = plan('--from-file', '-', '--nodes', '1', '--time', '00:05:00', stdin='echo hi\n')
    script = batch_script.render_script(the_plan.slurm)
    assert "FARM_TASK_COMMAND='sh -c {line}'" in script
