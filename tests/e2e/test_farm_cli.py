"""`farm` as a user runs it, against a live coordinator: submit with local agents, wait, show, sweeps."""

import json
import os
import signal
import subprocess
import time

import psutil
import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import venv_script

pytestmark = pytest.mark.timeout(120)

# What is under test here is the command line and the agents, not the database: one backend
# for most tests keeps the suite quick; the main acceptance test runs on both.
sqlite_only = pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)

# Lines that a shell on the way would mangle: spaces, both quotes, $ and backslashes.
NASTY_LINES = [
    'two  spaces and a tab\there',
    "it's single-quoted 'here'",
    'double "quotes" too',
    '$HOME ${HOME} $(echo no) `echo no` $1',
    'back\\slash; and | pipe & amp > redirect *',
]


class Farm:
    """A coordinator, alice's token, and `farm` run as a subprocess from tmp_path."""

    def __init__(self, coordinator, tmp_path):
        self.coordinator, self.tmp_path = coordinator, tmp_path
        self.token = coordinator.cli('token', 'create', 'alice').stdout.strip()
        self.env = {**os.environ, 'FARM_URL': coordinator.url, 'FARM_TOKEN': self.token,
                    'XDG_CONFIG_HOME': str(tmp_path / 'config')}
        self.env.pop('FARM_CONFIG', None)
        self.agents: list[int] = []

    def __call__(self, *args, stdin=None, env=None, timeout=60) -> subprocess.CompletedProcess:
        return subprocess.run([venv_script('farm'), *map(str, args)], env=env or self.env,
                              cwd=self.tmp_path, input=stdin, capture_output=True, text=True,
                              timeout=timeout)

    def json(self, *args, **kwargs):
        result = self(*args, '--json', **kwargs)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def submit(self, *args) -> dict:
        """`farm submit --json ARGS`; its facts. Its local agents are stopped after the test."""
        result = self('submit', '--json', '--log-dir', self.tmp_path / 'logs', *args)
        assert result.returncode == 0, result.stderr
        facts = json.loads(result.stdout)
        if (facts['workers'] or {}).get('kind') == 'local':
            self.agents.append(facts['workers']['pid'])
        return facts

    def wait_agents_gone(self, timeout_s=30):
        deadline = time.monotonic() + timeout_s
        while any(_alive(pid) for pid in self.agents):
            assert time.monotonic() < deadline, 'a local agent did not leave'
            time.sleep(0.1)

    def cleanup(self):
        for pid in self.agents:
            if _alive(pid):
                for child in psutil.Process(pid).children(recursive=True):
                    child.kill()
                os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def farm(serve, tmp_path):
    farm = Farm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)
    yield farm
    farm.cleanup()


def ran(path) -> list[int]:
    return sorted(int(line) for line in path.read_text().split()) if path.exists() else []


def test_local_submit_then_wait_runs_every_task_once_and_exits_0(farm, tmp_path):
    facts = farm.submit('--local', 2, '--tasks', 30, '--name', 'e2e', '--',
                        'sh', '-c', f'echo {{task}} >> {tmp_path}/ran')
    run_uuid = facts['run']['uuid']
    assert facts['run']['command'] == ['sh', '-c', f'echo {{task}} >> {tmp_path}/ran']
    wait = farm('run', 'wait', run_uuid, '--poll', '0.2')
    assert wait.returncode == 0, wait.stdout + wait.stderr
    assert f'Run {run_uuid} finished: all of its 30 tasks done' in wait.stdout
    assert ran(tmp_path / 'ran') == list(range(30))
    farm.wait_agents_gone()  # the agent leaves by itself once the run is finished
    assert 'leaving: run finished' in (tmp_path / 'logs' / run_uuid / 'agent.log').read_text()


@sqlite_only
def test_a_failing_task_makes_wait_exit_non_zero_and_show_names_it_with_its_exit_code(farm):
    run_uuid = farm.submit('--local', 2, '--tasks', 6, '--max-tries', 1, '--',
                           'sh', '-c', 'test {task} != 4 || exit 7')['run']['uuid']
    wait = farm('run', 'wait', run_uuid, '--poll', '0.2')
    assert wait.returncode == 3, wait.stdout + wait.stderr
    assert '1 failed' in wait.stdout
    show = farm('run', 'show', run_uuid[:8])
    assert show.returncode == 0, show.stderr
    row = next(line.split() for line in show.stdout.splitlines() if line.split()[:1] == ['4'])
    assert row[1] == '7', show.stdout
    failures = farm.json('run', 'show', run_uuid)['failures']
    assert [(task['number'], task['exit_code']) for task in failures] == [(4, 7)]


@sqlite_only
def test_each_line_passes_every_line_as_one_argument_verbatim(farm, tmp_path):
    (tmp_path / 'lines.txt').write_text('\n'.join(NASTY_LINES) + '\n')
    out = tmp_path / 'out'
    out.mkdir()
    run_uuid = farm.submit('--local', 2, '--each-line', 'lines.txt', '--',
                           'sh', '-c', f'printf "%s" "$1" > {out}/$FARM_TASK', 'sh',
                           '{line}')['run']['uuid']
    assert farm('run', 'wait', run_uuid, '--poll', '0.2').returncode == 0
    assert [(out / str(n)).read_text() for n in range(len(NASTY_LINES))] == NASTY_LINES


@sqlite_only
def test_from_file_runs_every_line_as_the_shell_would_run_it(farm, tmp_path):
    lines = [f"printf '%s|' {word} > out-{n}" for n, word in enumerate([
        "'single $HOME'", '"double \\$HOME"', 'with\\ space', '"it\'s"'])]
    (tmp_path / 'commands.txt').write_text('# one command per line\n' + '\n'.join(lines) + '\n')
    run_uuid = farm.submit('--local', 2, '--from-file', 'commands.txt')['run']['uuid']
    assert farm('run', 'wait', run_uuid, '--poll', '0.2').returncode == 0
    results = [(tmp_path / f'out-{n}').read_text() for n in range(len(lines))]
    assert results == ['single $HOME|', 'double $HOME|', 'with space|', "it's|"]


@sqlite_only
def test_cancel_stops_running_tasks_and_wait_reports_it(farm, tmp_path):
    run_uuid = farm.submit('--local', 2, '--tasks', 4, '--',
                           'sh', '-c', f'echo $$ >> {tmp_path}/pids; exec sleep 600')['run']['uuid']
    deadline = time.monotonic() + 30
    while farm.json('run', 'show', run_uuid)['run']['running'] < 2:
        assert time.monotonic() < deadline, 'tasks did not start'
        time.sleep(0.2)
    refused = farm('run', 'cancel', run_uuid)  # no terminal and no --yes
    assert refused.returncode == 1 and '--yes' in refused.stderr
    cancelled = farm.json('run', 'cancel', run_uuid, '--yes')
    assert cancelled['run']['state'] == 'cancelled' and cancelled['run']['cancelled'] == 4
    assert farm('run', 'wait', run_uuid, '--poll', '0.2').returncode == 3
    farm.wait_agents_gone()  # heartbeat reply said stop, the tasks died, the run is over
    pids = [int(pid) for pid in (tmp_path / 'pids').read_text().split()]
    assert not any(_alive(pid) for pid in pids)


@sqlite_only
def test_every_commands_json_carries_the_facts_of_its_human_output(farm, tmp_path):
    submitted = farm.submit('--local', 1, '--tasks', 3, '--max-tries', 1, '--name', 'facts', '--',
                            'sh', '-c', 'echo "out of {task}"; test {task} != 2 || exit 5')
    run_uuid = submitted['run']['uuid']
    farm('run', 'wait', run_uuid, '--poll', '0.2')
    human = {}
    for command in (('runs', '--state', 'all'), ('run', 'show', run_uuid),
                    ('run', 'wait', run_uuid), ('task', run_uuid, 2), ('log', run_uuid, 2),
                    ('workers', '--state', 'all')):
        result = farm(*command)
        assert result.returncode in (0, 3), result.stderr
        human[command[0] if command[0] != 'run' else command[1]] = result.stdout

    [run] = farm.json('runs', '--state', 'all')['runs']
    assert all(fact in human['runs'] for fact in (run_uuid[:8], 'facts', run['state'],
                                                  f'{run["done"]}/{run["num_tasks"]}'))
    shown = farm.json('run', 'show', run_uuid)
    assert f'{shown["run"]["done"]} done, {shown["run"]["failed"]} failed' in human['show']
    assert [(t['number'], t['exit_code']) for t in shown['failures']] == [(2, 5)]
    waited = farm('run', 'wait', run_uuid, '--json')
    assert waited.returncode == 3 and json.loads(waited.stdout)['exit_status'] == 3
    task = farm.json('task', run_uuid, 2)
    tries = 'try' if task['failed_tries'] == 1 else 'tries'
    for fact in (task['status'], f'exit code  {task["exit_code"]}', task['hostname'],
                 f'{task["attempt"]} ({task["failed_tries"]} failed {tries})'):
        assert fact in human['task']
    log = farm.json('log', run_uuid, 2)
    assert log['log_tail'] == human['log'] and 'out of 2' in log['log_tail']
    workers = farm.json('workers', '--state', 'all')['workers']
    assert workers and all(w['uuid'][:8] in human['workers'] and w['state'] in human['workers']
                           for w in workers)
    restarted = farm.json('run', 'restart', run_uuid, '--yes')
    assert restarted['run']['uuid'] == run_uuid
    assert farm.json('run', 'delete', run_uuid, '--yes')['deleted'] is True


@sqlite_only
def test_login_stores_a_token_that_later_commands_use(farm, tmp_path):
    env = {key: value for key, value in farm.env.items() if key not in ('FARM_URL', 'FARM_TOKEN')}
    login = farm('login', farm.coordinator.url, '--user', 'alice', '--password-stdin', '--json',
                 stdin=PASSWORD + '\n', env=env)
    assert login.returncode == 0, login.stderr
    facts = json.loads(login.stdout)
    assert (facts['url'], facts['user'], facts['scope']) == (farm.coordinator.url, 'alice', 'user')
    path = tmp_path / 'config' / 'farm' / 'config.toml'
    assert oct(path.stat().st_mode & 0o777) == '0o600' and PASSWORD not in path.read_text()
    listed = farm('runs', '--json', env=env)
    assert listed.returncode == 0 and json.loads(listed.stdout)['runs'] == []


@sqlite_only
def test_login_with_a_wrong_password_says_the_name_or_password_was_wrong(farm, tmp_path):
    env = {key: value for key, value in farm.env.items() if key not in ('FARM_URL', 'FARM_TOKEN')}
    login = farm('login', farm.coordinator.url, '--user', 'alice', '--password-stdin',
                 stdin='not the password\n', env=env)
    assert login.returncode == 1 and login.stdout == ''
    assert login.stderr == (f'farm: {farm.coordinator.url} refused user alice: wrong user name '
                            'or password\n')
    assert not (tmp_path / 'config' / 'farm' / 'config.toml').exists()

@sqlite_only
@pytest.mark.parametrize('change, expected', [
    ({'FARM_URL': 'http://127.0.0.1:9'}, 'nothing listens at http://127.0.0.1:9'),
    ({'FARM_TOKEN': 'farm_wrong'}, 'refused the token'),
], ids=['unreachable', 'bad-token'])
def test_mistakes_are_one_clear_line(farm, change, expected):
    result = farm('runs', env={**farm.env, **change})
    assert result.returncode == 1 and result.stdout == ''
    assert result.stderr.startswith('farm: ') and expected in result.stderr
    assert len(result.stderr.splitlines()) == 1


@sqlite_only
def test_an_unknown_run_is_one_clear_line(farm):
    result = farm('run', 'show', '0' * 32)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert f'no run {"0" * 32}' in result.stderr


@sqlite_only
def test_task_explain_says_why_a_task_waits_and_when_it_is_in_line(farm, database):
    from coordinator.store import job_types, queue, users
    from coordinator.store.job_types import Definition

    alice = users.principal_for_password('alice', PASSWORD)
    run_uuid = farm.submit('--tasks', '2', '--', 'true')['run']['uuid']
    result = farm('task', 'explain', run_uuid[:8], '1')
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f'task 1 of run {run_uuid[:8]} waits because:\n'
                             f'  - no live agent works on run {run_uuid} or serves job type '
                             'taskfarm-run\n')
    job_types.define(alice, 'render', '1.0.0', Definition(command=['true']), {})
    first, second = queue.queue_tasks(alice, 'render', '1.0.0', [queue.Order()] * 2)
    job_types.set_paused(alice, 'render', '1.0.0', True)
    assert farm.json('task', 'explain', str(second))['reasons'] == [
        'its job type render 1.0.0 is paused', 'no live agent serves job type render']
    assert farm('task', 'explain', 'x').stderr == "farm: ID must be a whole number, not 'x'\n"
    assert farm('task', 'explain', '999').stderr.startswith('farm: ')
    assert farm('task', run_uuid, '0').returncode == 0
    assert first
