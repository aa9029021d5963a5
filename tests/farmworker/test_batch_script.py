"""`farmworker submit`: the rendered batch script, the sbatch call, and the launcher run by bash.

No Slurm needed: sbatch and srun are stand-ins (an injected runner, or small scripts on PATH),
and the launcher runs under bash with a fake farmworker that records what it was started with.
"""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from farmworker import cli
from farmworker.batch_script import (
    LAUNCHER,
    SubmitError,
    SubmitOptions,
    check,
    dry_run_text,
    render_script,
    sbatch_argv,
    signal_lead_s,
    submit,
)

REPO = Path(__file__).resolve().parents[2]
RUN = '3f2a9c0e11aa4b7d8e9f001122334455'
TOKEN = 'tok-secret-do-not-print'


def options(**changes) -> SubmitOptions:
    values = {'run': RUN, 'command': ['./sim.sh', '--case', '{task}'], 'time': '02:00:00',
              'log_dir': '/scratch/logs', 'url': 'http://login1:8080'}
    return SubmitOptions(**{**values, **changes})


def sbatch_lines(script: str) -> list[str]:
    return re.findall(r'^#SBATCH (\S+)$', script, re.MULTILINE)


def parameters(script: str) -> dict[str, str]:
    """The parameter assignments, as bash sees them."""
    names = re.findall(r'^(FARM\w*|FARMWORKER)=', script, re.MULTILINE)
    head = script.split(LAUNCHER)[0]
    printer = ''.join(f'printf "%s\\0" "${name}";' for name in names)
    out = subprocess.run(['bash', '-c', head + printer], capture_output=True, text=True,
                         check=True).stdout
    return dict(zip(names, out.split('\0')[:-1], strict=True))


# -- the signal lead time and the checks


@pytest.mark.parametrize('walltime_s, lead_s', [(60, 20), (300, 100), (360, 120), (86400, 120),
                                                 (3, 1)])
def test_the_signal_comes_a_third_of_the_walltime_early_at_most_two_minutes(walltime_s, lead_s):
    assert signal_lead_s(walltime_s) == lead_s


@pytest.mark.parametrize('changes, message', [
    ({'time': 'UNLIMITED'}, 'not a finite walltime'),
    ({'time': 'soon'}, 'not a finite walltime'),
    ({'nodes': 0}, '--nodes must be at least 1'),
    ({'array': 0}, '--array must be at least 1'),
    ({'slots': 0}, '--slots must be at least 1'),
    ({'command': []}, 'no task command'),
    ({'run': 'a b'}, 'not a run uuid'),
    ({'run': '--nodes=9'}, 'not a run uuid'),
    ({'url': None}, 'no coordinator'),
    ({'time': '1:00'}, '--grace 20 must be shorter than the 20 s'),
    ({'time': '1:00', 'grace_s': 5, 'signal_lead_s': 60}, 'shorter than the walltime'),
    ({'grace_s': -1}, '--grace must be a number of seconds'),
    ({'log_dir': '/my logs'}, '--log-dir must be non-empty without spaces'),
    ({'job_name': 'x\nrm -rf ~'}, '--job-name must be non-empty without spaces'),
])
def test_options_slurm_or_the_agent_would_trip_on_are_refused_in_one_line(changes, message):
    with pytest.raises(SubmitError, match=re.escape(message)):
        render_script(options(**changes))


# -- the script


def test_a_job_of_whole_nodes_signals_the_batch_shell_before_its_limit():
    script = render_script(options(nodes=4))
    assert script.startswith('#!/bin/bash\n')
    assert sbatch_lines(script) == [
        '--job-name=farm-3f2a9c0e', '--nodes=4', '--ntasks-per-node=1', '--exclusive', '--mem=0',
        '--time=02:00:00', '--signal=B:USR1@120', '--output=/scratch/logs/slurm-%j.out']
    assert script.endswith(LAUNCHER)


def test_an_array_of_partial_nodes_names_its_output_per_array_job():
    script = render_script(options(array=8, cpus=4, time='1:00', grace_s=5, partition='short',
                                   account='proj1', job_name='sweep'))
    assert sbatch_lines(script) == [
        '--job-name=sweep', '--nodes=1', '--ntasks-per-node=1', '--cpus-per-task=4',
        '--time=1:00', '--signal=B:USR1@20', '--array=0-7',
        '--output=/scratch/logs/slurm-%A_%a.out', '--partition=short', '--account=proj1']


def test_parameters_round_trip_through_bash_and_the_token_is_never_written():
    command = ['sh', '-c', "echo {task} >> 'my out' && farmworker progress 50", "it's", '$HOME']
    script = render_script(options(command=command, slots=3, grace_s=7.5, max_idle_s=30,
                                   farmworker='/opt/venv/bin/farmworker'))
    assert parameters(script) == {
        'FARM_RUN': RUN, 'FARM_URL': 'http://login1:8080', 'FARM_URL_FILE': '',
        'FARM_TASK_COMMAND': 'sh -c "echo {task} >> \'my out\' && farmworker progress 50" '
                             '"it\'s" \'$HOME\'',
        'FARM_LOG_DIR': '/scratch/logs', 'FARM_SLOTS': '3', 'FARM_GRACE': '7.5',
        'FARM_MAX_IDLE': '30', 'FARMWORKER': '/opt/venv/bin/farmworker', 'FARM_SRUN': ''}
    assert 'TOKEN=' not in script.split(LAUNCHER)[0]


def test_without_a_url_the_job_reads_the_url_file():
    values = parameters(render_script(options(url=None, url_file='/home/u/.farm/coordinator-url')))
    assert (values['FARM_URL'], values['FARM_URL_FILE']) == ('', '/home/u/.farm/coordinator-url')


@pytest.mark.parametrize('name', ['farmworker.sbatch', 'farmworker-array.sbatch'])
def test_the_scripts_in_slurm_end_with_the_launcher_submit_renders(name):
    text = (REPO / 'slurm' / name).read_text()
    assert text.endswith(LAUNCHER), f'slurm/{name} must end with farmworker.batch_script.LAUNCHER'
    assert '#SBATCH --signal=B:USR1@' in text


def test_the_dry_run_is_a_runnable_here_document(tmp_path):
    text = dry_run_text(options())
    first, *_ = text.splitlines()
    assert first == "sbatch --parsable --export=ALL <<'FARM_SBATCH_SCRIPT'"
    fake = fake_bin(tmp_path, 'sbatch', f'cat > {tmp_path}/script; echo 99')
    done = subprocess.run(['bash', '-c', text], env={**os.environ, 'PATH': f'{fake}:/usr/bin:/bin'},
                          capture_output=True, text=True, check=False)
    assert done.stdout == '99\n'
    assert (tmp_path / 'script').read_text() == render_script(options())


# -- the sbatch call


class Runner:
    def __init__(self, result=None, raises=None):
        self.result, self.raises, self.calls = result, raises, []

    def __call__(self, argv, **kwargs):
        self.calls.append((argv, kwargs))
        if self.raises:
            raise self.raises
        return self.result


def test_submit_pipes_the_script_to_sbatch_and_passes_the_token_in_the_environment():
    runner = Runner(subprocess.CompletedProcess([], 0, '4242;cluster1\n', ''))
    assert submit(options(sbatch_args=['--qos=long']), {'PATH': '/bin'}, token=TOKEN,
                  run=runner) == '4242'
    [(argv, kwargs)] = runner.calls
    assert argv == ['sbatch', '--parsable', '--export=ALL', '--qos=long'] == sbatch_argv(
        options(sbatch_args=['--qos=long']))
    assert kwargs['input'] == render_script(options(sbatch_args=['--qos=long']))
    assert kwargs['env'] == {'PATH': '/bin', 'FARM_TOKEN': TOKEN}
    assert TOKEN not in ' '.join(argv) + kwargs['input']


@pytest.mark.parametrize('runner, message', [
    (Runner(raises=FileNotFoundError('sbatch')), 'sbatch not found on PATH'),
    (Runner(subprocess.CompletedProcess([], 1, '', 'sbatch: error: Invalid account\n'
                                        'sbatch: error: Batch job submission failed: '
                                        'Invalid account or account/partition combination\n')),
     'sbatch refused the job: sbatch: error: Batch job submission failed: Invalid account'),
    (Runner(subprocess.CompletedProcess([], 0, '', '')), 'sbatch printed no job id'),
    (Runner(raises=subprocess.TimeoutExpired('sbatch', 120)), 'sbatch did not answer'),
])
def test_sbatch_problems_are_one_line(runner, message):
    with pytest.raises(SubmitError, match=re.escape(message)):
        submit(options(), {'FARM_TOKEN': TOKEN}, run=runner)


def test_no_token_at_all_is_refused_before_sbatch_runs():
    runner = Runner()
    with pytest.raises(SubmitError, match='no token'):
        submit(options(), {'PATH': '/bin'}, run=runner)
    assert runner.calls == []
    check(options())  # the options themselves are fine


# -- the launcher, run by bash with a fake farmworker (and srun)


def fake_bin(tmp_path, name, body) -> Path:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(f'#!/bin/bash\n{body}\n')
    path.chmod(0o755)
    return bin_dir


RECORD = 'printf "%s\\n" "$@" > "$OUT/argv"; echo "$FARM_URL $FARM_TOKEN" > "$OUT/env"'


def launch(tmp_path, script, env, wait=True):
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'OUT': str(tmp_path), **env}
    process = subprocess.Popen(['bash', '-c', script], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    if wait:
        process.wait(timeout=30)
    return process


def test_on_one_node_the_launcher_execs_the_agent_with_the_task_command_word_for_word(tmp_path):
    farmworker = fake_bin(tmp_path, 'farmworker', RECORD) / 'farmworker'
    command = ['sh', '-c', 'echo {task} >> ran', "it's", 'a b', '$HOME', '']
    script = render_script(options(command=command, slots=2, grace_s=5,
                                   farmworker=str(farmworker)))
    process = launch(tmp_path, script, {'FARM_TOKEN': TOKEN, 'SLURM_JOB_NUM_NODES': '1'})
    assert process.returncode == 0, process.stdout.read()
    assert (tmp_path / 'argv').read_text().splitlines() == [
        'run', '--run', RUN, '--log-dir', '/scratch/logs', '--slots', '2', '--grace', '5', '--',
        *command]
    assert (tmp_path / 'env').read_text() == f'http://login1:8080 {TOKEN}\n'


def test_the_launcher_reads_the_url_file_and_a_token_file(tmp_path):
    farmworker = fake_bin(tmp_path, 'farmworker', RECORD) / 'farmworker'
    (tmp_path / 'url').write_text('http://node7:8080\n')
    (tmp_path / 'token').write_text(TOKEN + '\n')
    script = render_script(options(url=None, url_file=str(tmp_path / 'url'),
                                   farmworker=str(farmworker)))
    process = launch(tmp_path, script, {'FARM_TOKEN_FILE': str(tmp_path / 'token')})
    assert process.returncode == 0, process.stdout.read()
    assert (tmp_path / 'env').read_text() == f'http://node7:8080 {TOKEN}\n'


@pytest.mark.parametrize('env, message', [
    ({}, 'no token: export FARM_TOKEN'),
    ({'FARM_TOKEN': TOKEN, 'FARM_URL_WAIT_S': '0'}, 'no coordinator URL in'),
])
def test_the_launcher_stops_with_one_line_when_something_is_missing(tmp_path, env, message):
    farmworker = fake_bin(tmp_path, 'farmworker', RECORD) / 'farmworker'
    url = None if 'FARM_URL_WAIT_S' in env else 'http://login1:8080'
    script = render_script(options(url=url, url_file=str(tmp_path / 'none'),
                                   farmworker=str(farmworker)))
    process = launch(tmp_path, script, env)
    assert process.returncode == 2
    assert message in process.stdout.read()


@pytest.mark.parametrize('nodes, srun', [(3, False), (1, True)], ids=['3-nodes', 'srun-on-1'])
def test_srun_starts_the_agents_and_usr1_is_forwarded_to_it(tmp_path, nodes, srun):
    farmworker = fake_bin(tmp_path, 'farmworker', RECORD) / 'farmworker'
    # srun sets its trap, records its argv (the test's cue to signal), then waits for USR1 and
    # exits 0 once it has it; recording first would let the signal arrive before the trap
    fake_bin(tmp_path, 'srun', 'trap "echo got-usr1 > \\"$OUT/usr1\\"; exit 0" USR1; '
                               'printf "%s\\n" "$@" > "$OUT/srun"; while :; do sleep 0.05; done')
    script = render_script(options(nodes=nodes, srun=srun, farmworker=str(farmworker)))
    process = launch(tmp_path, script, {'FARM_TOKEN': TOKEN, 'SLURM_JOB_NUM_NODES': str(nodes),
                                        'PATH': f'{tmp_path / "bin"}:/usr/bin:/bin'}, wait=False)
    deadline = time.monotonic() + 10
    while not (tmp_path / 'srun').exists():
        assert time.monotonic() < deadline and process.poll() is None, process.stdout.read()
        time.sleep(0.02)
    process.send_signal(signal.SIGUSR1)
    assert process.wait(timeout=10) == 0, process.stdout.read()
    assert (tmp_path / 'usr1').read_text() == 'got-usr1\n'
    argv = (tmp_path / 'srun').read_text().splitlines()
    assert argv[:5] == [f'--nodes={nodes}', '--ntasks-per-node=1', '--kill-on-bad-exit=0',
                        '--label', str(farmworker)]
    # srun signals the whole step: the task command is wrapped so that USR1 cannot kill a task
    task = argv[argv.index('--') + 1:]
    assert task[-3:] == ['./sim.sh', '--case', '{task}']
    survivor = subprocess.run([*task[:-3], 'sh', '-c', 'kill -USR1 $$; echo alive'],
                              capture_output=True, text=True, timeout=10, check=False)
    assert (survivor.returncode, survivor.stdout) == (0, 'alive\n')


# -- the command line


def test_the_dry_run_prints_the_script_but_never_the_token(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv('FARM_TOKEN', TOKEN)
    monkeypatch.setenv('FARM_URL', 'http://login1:8080')
    monkeypatch.chdir(tmp_path)
    assert cli.main(['submit', '--run', RUN, '--time', '10:00', '--nodes', '2', '--dry-run',
                     '--', './sim.sh', '{task}']) == 0
    out = capsys.readouterr().out
    assert out.startswith('sbatch --parsable --export=ALL <<')
    assert f'--output={tmp_path}/farm-logs/slurm-%j.out' in out
    assert TOKEN not in out
    assert not (tmp_path / 'farm-logs').exists()


def test_submit_calls_sbatch_and_prints_the_job_id(capsys, monkeypatch, tmp_path):
    bin_dir = fake_bin(tmp_path, 'sbatch', f'cat > {tmp_path}/script; echo "$FARM_TOKEN" > '
                                           f'{tmp_path}/token; echo 77')
    monkeypatch.setenv('PATH', f'{bin_dir}:{os.environ["PATH"]}')
    monkeypatch.setenv('FARM_TOKEN', TOKEN)
    monkeypatch.delenv('FARM_URL', raising=False)
    assert cli.main(['submit', '--run', RUN, '--time', '10:00', '--url-file', str(tmp_path / 'u'),
                     '--log-dir', str(tmp_path / 'logs'), '--', 'true']) == 0
    captured = capsys.readouterr()
    assert captured.out == '77\n'
    assert 'the job waits' in captured.err
    assert (tmp_path / 'logs').is_dir()
    assert (tmp_path / 'token').read_text() == TOKEN + '\n'
    assert f'FARM_URL_FILE={tmp_path / "u"}' in (tmp_path / 'script').read_text()


def test_no_sbatch_on_path_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setenv('FARM_TOKEN', TOKEN)
    assert cli.main(['submit', '--run', RUN, '--time', '10:00', '--url', 'http://h:1',
                     '--log-dir', str(tmp_path / 'logs'), '--', 'true']) == 1
    assert capsys.readouterr().err.startswith('farmworker: sbatch not found on PATH')


def test_a_serve_script_execs_a_serve_agent_of_its_job_types_with_no_run_or_command(tmp_path):
    farmworker = fake_bin(tmp_path, 'farmworker', RECORD) / 'farmworker'
    script = render_script(options(run='', command=(), serve=True, job_types=['render', 'encode'],
                                   max_idle_s=30, job_name='farm-cpu', farmworker=str(farmworker)))
    assert '#SBATCH --job-name=farm-cpu' in script
    assert '# farmworker agents serving job types render encode:' in script
    process = launch(tmp_path, script, {'FARM_TOKEN': TOKEN, 'SLURM_JOB_NUM_NODES': '1'})
    assert process.returncode == 0, process.stdout.read()
    assert (tmp_path / 'argv').read_text().splitlines() == [
        'serve', '--log-dir', '/scratch/logs', '--job-type', 'render', '--job-type', 'encode',
        '--grace', '20', '--max-idle', '30']


def test_a_serve_script_of_every_type_names_none_and_a_run_script_is_unchanged(tmp_path):
    serving = render_script(options(run='', command=(), serve=True))
    assert 'FARM_SERVE=1' in serving and "FARM_JOB_TYPES=''" in serving
    assert 'FARM_SERVE' not in render_script(options()).split(LAUNCHER)[0]
