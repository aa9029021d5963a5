"""farmworker agents as users run them, against a live coordinator: every task once, no lost work."""

import json
import os
import signal
import subprocess
import time
import urllib.request

import psutil
import pytest

from tests.e2e.conftest import venv_script

pytestmark = pytest.mark.timeout(180)


def _hangup_as_from_a_terminal() -> None:
    """SIGHUP at its default in the agent, as when started from a terminal, even when the suite
    itself runs under `nohup` (whose ignored SIGHUP the agent would inherit and keep, as
    documented, and then not drain on one)."""
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Farm:
    """A coordinator, a token for alice, and helpers to create runs and start agents."""

    def __init__(self, coordinator, tmp_path):
        self.coordinator, self.tmp_path = coordinator, tmp_path
        self.token = coordinator.cli('token', 'create', 'alice').stdout.strip()

    def call(self, method, path, body=None):
        request = urllib.request.Request(
            self.coordinator.url + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={'Authorization': f'Bearer {self.token}', 'Content-Type': 'application/json'})
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or 'null')  # null: a 204
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def create_run(self, num_tasks, **policy):
        status, run = self.call('POST', '/farm/v1/runs', {'num_tasks': num_tasks, **policy})
        assert status == 201, run
        return run['uuid']

    def status(self, run_uuid):
        return self.call('GET', f'/farm/v1/runs/{run_uuid}')[1]

    def agent(self, run_uuid, shell_command, *args, token=None):
        """`farmworker run` in the background; the task is `sh -c SHELL_COMMAND`."""
        env = {**os.environ, 'FARM_URL': self.coordinator.url, 'FARM_TOKEN': token or self.token,
               'PATH': f'{os.path.dirname(venv_script("farmworker"))}:{os.environ["PATH"]}'}
        return subprocess.Popen(
            [venv_script('farmworker'), 'run', '--run', run_uuid, '--log-dir',
             str(self.tmp_path / 'logs'), *args, '--', 'sh', '-c', shell_command],
            env=env, cwd=self.tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=_hangup_as_from_a_terminal)

    def wait_for(self, predicate, timeout_s=60):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.1)
        raise AssertionError('condition not reached in time')


@pytest.fixture
def farm(serve, tmp_path):
    return Farm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)


def ran(tmp_path) -> list[int]:
    path = tmp_path / 'ran'
    return sorted(int(line) for line in path.read_text().split()) if path.exists() else []


def test_an_agent_runs_every_task_once_reporting_progress(farm, tmp_path):
    run_uuid = farm.create_run(30)
    agent = farm.agent(run_uuid, 'farmworker progress 50 half && echo {task} >> ran', '--slots', '3')
    output, _ = agent.communicate(timeout=120)
    assert agent.returncode == 0, output
    assert ran(tmp_path) == list(range(30))
    status = farm.status(run_uuid)
    assert (status['done'], status['waiting'], status['running']) == (30, 0, 0), status
    assert 'leaving: run finished' in output
    assert (tmp_path / 'logs' / run_uuid / 'task-7.1.log').exists()


def test_a_failing_task_is_retried_then_reported_with_its_exit_code(farm, tmp_path):
    run_uuid = farm.create_run(3, max_tries=2)
    agent = farm.agent(run_uuid, 'echo {task} >> ran; test {task} != 1 || exit 7', '--slots', '2')
    output, _ = agent.communicate(timeout=120)
    assert agent.returncode == 0, output
    assert ran(tmp_path) == [0, 1, 1, 2]
    assert farm.status(run_uuid)['failed'] == 1


def _kill_tree(process):
    """kill -9 the agent and every task it started (they run in their own sessions)."""
    tree = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    for child in tree:
        child.kill()
    process.wait(10)


def test_a_killed_agents_task_goes_to_another_agent_and_its_late_report_is_refused(
        farm, tmp_path, database):
    from coordinator.models import Worker

    run_uuid = farm.create_run(3)
    first = farm.agent(run_uuid, 'test {task} != 0 || sleep 600; echo {task} >> ran', '--slots', '2')
    # tasks 1 and 2 done and reported while task 0 still sleeps in the other slot
    farm.wait_for(lambda: ran(tmp_path) == [1, 2] and farm.status(run_uuid)['done'] == 2)
    _kill_tree(first)
    farm.wait_for(lambda: farm.status(run_uuid)['running'] == 0, timeout_s=30)  # ttl 2 s + reaper
    second = farm.agent(run_uuid, 'echo {task} >> ran', '--slots', '2')
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output
    assert ran(tmp_path) == [0, 1, 2]
    assert farm.status(run_uuid)['done'] == 3
    dead = Worker.get(Worker.state == 'lost')
    status, body = farm.call('POST', f'/farm/v1/runs/{run_uuid}/results', {
        'worker_uuid': dead.uuid, 'results': [{'number': 0, 'attempt': 1, 'outcome': 'complete'}]})
    assert status == 409, body
    assert farm.status(run_uuid)['done'] == 3


def test_sigterm_drains_and_hands_back_unfinished_tasks_without_using_a_try(farm, tmp_path, database):
    from coordinator.models import Task

    run_uuid = farm.create_run(4, max_tries=1)
    agent = farm.agent(run_uuid, 'sleep 600', '--slots', '2', '--grace', '1')
    farm.wait_for(lambda: farm.status(run_uuid)['running'] == 2)
    agent.send_signal(signal.SIGTERM)
    output, _ = agent.communicate(timeout=60)
    assert agent.returncode == 0, output
    status = farm.status(run_uuid)
    assert (status['running'], status['waiting'], status['failed']) == (0, 4, 0), status
    assert {t.failed_tries for t in Task.select()} == {0}
    assert 'draining (SIGTERM)' in output


def test_a_coordinator_restart_loses_no_result(farm, tmp_path):
    run_uuid = farm.create_run(20)
    agent = farm.agent(run_uuid, 'sleep 0.3; echo {task} >> ran', '--slots', '2')
    farm.wait_for(lambda: len(ran(tmp_path)) >= 4)
    assert farm.coordinator.stop() == 0
    time.sleep(2)  # the coordinator stays down while tasks finish: their results must wait
    farm.coordinator.start()
    output, _ = agent.communicate(timeout=120)
    assert agent.returncode == 0, output
    # the agent saw the outage, backed off and said so: once as it began, once as it ended
    assert output.count('coordinator unavailable (') == 1, output
    assert output.count('coordinator back after') == 1, output
    assert 'registering again' not in output, 'the agent was back before it was judged lost'
    assert ran(tmp_path) == list(range(20)), 'every task ran exactly once'
    status = farm.status(run_uuid)
    assert (status['done'], status['running'], status['waiting']) == (20, 0, 0), status


# Task 1 writes what is not text: bytes that are not UTF-8 and a NUL, to its output and as its
# progress message, through `farmworker progress` (argv bytes) and by writing the file itself.
NOT_TEXT = r"""
printf 'out \377 put \000 end\n'
farmworker progress 30 "$(printf 'argv \377 byte')"
sleep 0.4
printf '{"percent": 60, "msg": "raw \377 byte"}' > "$FARM_TASK_DIR/progress"
sleep 0.4
printf '{"percent": 80, "msg": "nul \\u0000"}' > "$FARM_TASK_DIR/progress"
sleep 0.4
"""


def test_a_task_writing_bytes_that_are_not_text_fails_no_task_and_loses_no_agent(
        farm, tmp_path, database):
    from coordinator.models import Worker

    (tmp_path / 'not-text.sh').write_text(NOT_TEXT)
    run_uuid = farm.create_run(4, max_tries=1)
    command = 'test {task} != 1 || sh not-text.sh; sleep 0.6; echo {task} >> ran'
    agent = farm.agent(run_uuid, command, '--slots', '4')
    try:
        output, _ = agent.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        agent.kill()
        pytest.fail(f'the agent did not finish:\n{agent.communicate()[0][-3000:]}')
    assert agent.returncode == 0, output
    assert ran(tmp_path) == [0, 1, 2, 3]
    status = farm.status(run_uuid)
    assert (status['done'], status['failed'], status['running']) == (4, 0, 0), status
    for sign in ('coordinator unavailable', 'registering again', 'refused'):
        assert sign not in output, output
    assert Worker.select().where(Worker.state == 'lost').count() == 0
    task = farm.call('GET', f'/farm/v1/runs/{run_uuid}/tasks/1')[1]
    assert task['log_tail'] == 'out \ufffd put \ufffd end\n'
    assert task['msg'] == 'nul \ufffd' and task['percent'] == 100
    assert 'Traceback' not in farm.coordinator.log_path.read_text()


@pytest.mark.parametrize('url, token, run, expected', [
    ('ftp://x', None, None, "farmworker: not a coordinator URL: 'ftp://x' (use http://HOST:PORT)"),
    ('http://127.0.0.1:9', None, None, 'farmworker: coordinator not reachable for 1 s'),
    (None, 'farm_wrong', None, 'farmworker: the coordinator refused: unknown or expired token (HTTP 401)'),
    (None, None, '0' * 32, f'farmworker: the coordinator refused: no run {"0" * 32} (HTTP 404)'),
], ids=['bad-url', 'unreachable', 'bad-token', 'unknown-run'])
def test_mistakes_are_one_clear_line(farm, url, token, run, expected):
    result = subprocess.run(
        [venv_script('farmworker'), 'run', '--run', run or farm.create_run(1),
         '--url', url or farm.coordinator.url, '--token', token or farm.token,
         '--connect-timeout', '1', '--', 'true'],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(expected), result.stderr
    assert 'Traceback' not in result.stderr
