"""Every way out of a real `farmworker run` leaves no task running and tells the coordinator why."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.e2e.conftest import free_port
from tests.e2e.test_farmworker import Farm

pytestmark = pytest.mark.timeout(180)
# What is under test is the agent, not the database: one backend keeps the suite quick.
sqlite_only = pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)

KILL_GRACE_S = 5.0  # the executor's, between SIGTERM and SIGKILL to a task's process group
FAREWELL_S = 5.0  # how long a leaving agent tries to reach a coordinator that is away
# Each task writes its process group (its shell's pid: a task leads its own session) to `pgids`.
TASK = 'echo $$ >> pgids; '


def pgids(tmp_path) -> set[int]:
    path = tmp_path / 'pgids'
    return {int(line) for line in path.read_text().split()} if path.exists() else set()


def alive_in(groups: set[int]) -> list[psutil.Process]:
    """The processes, zombies aside, in any of these process groups."""
    alive = []
    for process in psutil.process_iter(['status']):
        try:
            if os.getpgid(process.pid) in groups and process.info['status'] != 'zombie':
                alive.append(process)
        except ProcessLookupError:
            pass
    return alive


def still_running(popen: subprocess.Popen) -> list[psutil.Process]:
    return [psutil.Process(popen.pid)] if popen.poll() is None else []


def kill_all(processes) -> None:
    """Clean up after a failed test: what it started must not outlive it."""
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


@sqlite_only
@pytest.mark.parametrize('token', ['user', 'run-bound'])
def test_deleting_a_run_stops_its_agents_tasks_and_the_agent_says_why(serve, tmp_path, token):
    # the default heartbeat (15 s) leaves the refusal to a claim. A run-bound token, as
    # `farm submit` gives its agents, is revoked with the run: a 401 once no coordinator
    # process remembers it, a 404 (no such run) until then
    farm = Farm(serve(workers=2), tmp_path)
    run_uuid = farm.create_run(2)
    agent_token = farm.token if token == 'user' else farm.call(
        'POST', '/farm/v1/tokens', {'scope': 'worker', 'run': run_uuid})[1]['token']
    agent = farm.agent(run_uuid, TASK + 'test {task} = 1 && until test -e go; do sleep 0.1; '
                                        'done || sleep 300', '--slots', '2', token=agent_token)
    try:
        farm.wait_for(lambda: len(pgids(tmp_path)) == 2)
        assert farm.call('DELETE', f'/farm/v1/runs/{run_uuid}')[0] == 204
        (tmp_path / 'go').touch()  # task 1 ends: its result and the next claim are refused
        started = time.monotonic()
        output, _ = agent.communicate(timeout=60)
        assert time.monotonic() - started < KILL_GRACE_S + 5
        assert not alive_in(pgids(tmp_path)), 'the sleeping task was stopped'
    finally:
        kill_all(alive_in(pgids(tmp_path)))
    assert agent.returncode == 1, output
    last = output.strip().splitlines()[-1]
    assert last.startswith('farmworker: the coordinator refused: '), output
    assert last.endswith('(HTTP 404)' if token == 'user' else ('(HTTP 404)', '(HTTP 401)')), output
    if token == 'user':  # a revoked token may not say goodbye: its worker is declared lost
        workers = farm.call('GET', '/farm/v1/workers?state=all')[1]['workers']
        [worker] = [worker for worker in workers if worker['pid'] == agent.pid]
        assert worker['state'] == 'stopped'
        assert worker['reason'] == last.removeprefix('farmworker: ')


@sqlite_only
def test_sigterm_with_the_coordinator_down_stops_the_agent_and_its_tasks_in_bounded_time(
        serve, tmp_path):
    # heartbeats every 0.5 s: the signal most likely finds the agent retrying one
    farm = Farm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)
    run_uuid = farm.create_run(4)
    agent = farm.agent(run_uuid, TASK + 'exec sleep 300', '--slots', '2', '--grace', '2')
    try:
        farm.wait_for(lambda: len(pgids(tmp_path)) == 2)
        assert farm.coordinator.stop() == 0
        agent.send_signal(signal.SIGTERM)
        started = time.monotonic()
        output, _ = agent.communicate(timeout=2 + KILL_GRACE_S + FAREWELL_S + 10)
        took_s = time.monotonic() - started
        assert not alive_in(pgids(tmp_path))
    finally:
        kill_all(alive_in(pgids(tmp_path)) + still_running(agent))
    assert agent.returncode == 1, output  # as documented: its goodbye could not be said
    assert 2 <= took_s < 2 + FAREWELL_S + 4, output
    assert 'draining (SIGTERM)' in output
    last = output.strip().splitlines()[-1]
    assert last == ('farmworker: left without the coordinator (SIGTERM): it did not get '
                    '2 result(s) and its goodbye'), output


@sqlite_only
def test_a_hangup_drains_the_agent_instead_of_leaving_its_tasks_behind(serve, tmp_path):
    farm = Farm(serve(workers=2), tmp_path)
    run_uuid = farm.create_run(2)
    agent = farm.agent(run_uuid, TASK + 'exec sleep 300', '--slots', '2', '--grace', '1')
    try:
        farm.wait_for(lambda: len(pgids(tmp_path)) == 2)
        agent.send_signal(signal.SIGHUP)  # the terminal it was started from closed
        output, _ = agent.communicate(timeout=30)
        assert not alive_in(pgids(tmp_path))
    finally:
        kill_all(alive_in(pgids(tmp_path)) + still_running(agent))
    assert agent.returncode == 0, output
    assert 'draining (SIGHUP)' in output
    assert farm.status(run_uuid)['waiting'] == 2, 'both tasks were handed back'
    workers = farm.call('GET', '/farm/v1/workers?state=all')[1]['workers']
    assert [(w['state'], w['reason']) for w in workers] == [('stopped', 'SIGHUP')]


def test_ctrl_c_on_make_run_stops_the_demo_agent_and_its_tasks(tmp_path):
    env = {**os.environ, 'VENV': str(Path(sys.executable).parent.parent),
           'FARM_DATA_DIR': str(tmp_path / 'data'), 'FARM_BIND': f'127.0.0.1:{free_port()}'}
    env.pop('FARM_DATABASE_URL', None)
    script = Path(__file__).parents[2] / 'scripts' / 'run.sh'
    said = tmp_path / 'run.log'
    with open(said, 'wb') as log:
        demo = subprocess.Popen(['bash', str(script)], env=env, stdout=log, stderr=log,
                                start_new_session=True)  # its own group, as under a terminal
    started = []
    try:
        deadline = time.monotonic() + 60
        while not list((tmp_path / 'data' / 'logs').glob('*/task-*.log')):
            assert time.monotonic() < deadline and demo.poll() is None, said.read_text()
            time.sleep(0.1)
        started = psutil.Process(demo.pid).children(recursive=True)  # tasks too, in their sessions
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C does: the whole foreground group
        demo.wait(timeout=40)
        alive = [process for process in started if process.is_running()
                 and process.status() != psutil.STATUS_ZOMBIE]
        assert not alive, (alive, said.read_text())
    finally:
        kill_all(started + still_running(demo))
