"""What a new user of `farm` meets first: a wrong password, a stopped coordinator, plain words."""

import io
import re
import socket
import threading
import time

import pytest

from farmworker.farm.cli import build_parser
from tests.farmworker.farm.fake_coordinator import (NOW, RUN_UUID, FakeCoordinator, run_dict,
                                                     task_dict)


def test_a_wrong_password_at_login_says_so_rather_than_blaming_a_token(coordinator, farm,
                                                                       monkeypatch):
    coordinator.reply('POST', '/tokens', {'msg': 'wrong user name or password'}, status=401)
    monkeypatch.setattr('sys.stdin', io.StringIO('a guess\n'))
    code, out, err = farm('login', coordinator.url, '--user', 'alice', '--password-stdin')
    assert (code, out) == (1, '')
    assert err == f'farm: {coordinator.url} refused user alice: wrong user name or password\n'


def stopped_port_url() -> str:
    """The URL of a local port that nothing listens on (any more)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return f'http://127.0.0.1:{probe.getsockname()[1]}'


def test_a_stopped_coordinator_is_told_at_once_with_its_url_and_what_to_check(coordinator, farm,
                                                                                 monkeypatch):
    url = stopped_port_url()
    monkeypatch.setenv('FARM_URL', url)
    started = time.monotonic()
    code, out, err = farm('runs')
    assert time.monotonic() - started < 2, 'a refused connection needs no 15 s of retries'
    assert (code, out) == (1, '')
    assert err == (f'farm: nothing listens at {url} (connection refused): is the coordinator '
                   'running there, and is the URL right (FARM_URL, farm login)?\n')


def reported_seconds(err: str) -> float:
    return float(re.search(r'([0-9.]+) s\b', err).group(1))


def test_a_coordinator_that_stays_unavailable_is_told_with_the_time_really_waited(
        coordinator, farm, monkeypatch):
    # Retry-After 2 s within a give-up time of 3 s: one retry, and a second wait would overrun,
    # so farm gives up after about 2 s and must not claim to have tried for 3
    coordinator.reply('GET', '/runs', {'msg': 'the database is unavailable'}, status=503,
                      headers={'Retry-After': '2'})
    monkeypatch.setenv('FARM_GIVE_UP_S', '3')
    started = time.monotonic()
    code, _, err = farm('runs')
    waited = time.monotonic() - started
    assert code == 1 and len(coordinator.requests) == 2
    assert err.startswith(f'farm: coordinator {coordinator.url} is unavailable (HTTP 503: the '
                          'database is unavailable) after ')
    assert 1.9 <= reported_seconds(err) <= waited < 3


def test_a_coordinator_that_never_replies_is_told_as_not_answering(coordinator, farm,
                                                                   monkeypatch):
    with socket.create_server(('127.0.0.1', 0)) as silent:  # accepts nothing, answers nothing
        url = f'http://127.0.0.1:{silent.getsockname()[1]}'
        monkeypatch.setenv('FARM_URL', url)
        monkeypatch.setenv('FARM_GIVE_UP_S', '1')
        code, _, err = farm('runs')
    assert code == 1 and err.startswith(f'farm: coordinator {url} is not answering (')
    assert 0.9 <= reported_seconds(err) < 3 and 'FARM_GIVE_UP_S' in err


def test_a_coordinator_fault_is_told_at_once_without_retries(coordinator, farm):
    coordinator.reply('GET', '/runs', {'msg': 'internal error'}, status=500)
    code, _, err = farm('runs')
    assert code == 1 and len(coordinator.requests) == 1
    assert err == (f'farm: {coordinator.url} failed: internal error (HTTP 500); its log says '
                   'more\n')


def test_a_coordinator_restarted_during_a_wait_is_waited_for(coordinator, farm, monkeypatch):
    """Once it has answered, a refused connection is a restart, retried until the give-up time."""
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(state='running', done=1, waiting=29))
    monkeypatch.setenv('FARM_GIVE_UP_S', '20')
    port, after = coordinator.server.server_address[1], []

    def restart():
        while not coordinator.requests:
            time.sleep(0.01)
        coordinator.close()  # nothing listens for a while: the next polls are refused
        time.sleep(1)
        after.append(FakeCoordinator(port=port))
        after[0].reply('GET', f'/runs/{RUN_UUID}', run_dict())

    restarter = threading.Thread(target=restart)
    restarter.start()
    try:
        code, out, err = farm('run', 'wait', RUN_UUID, '--poll', '0.05')
    finally:
        restarter.join()
        after[0].close()
    assert code == 0, err
    assert 'finished: all of its 30 tasks done' in out and after[0].requests


@pytest.mark.parametrize('changes, said', [
    ({'num_tasks': 20, 'done': 15, 'failed': 5}, 'Run 3f2a1b9c finished: 15 done, 5 failed.'),
    ({'done': 5, 'cancelled': 25, 'state': 'cancelled'},
     'Run 3f2a1b9c was cancelled: 5 done, 25 cancelled.'),
    ({'num_tasks': 1, 'done': 1}, 'Run 3f2a1b9c finished: all of its 1 task done.'),
], ids=['failed', 'cancelled', 'one-done'])
def test_wait_ends_with_how_the_run_ended_in_plain_words(coordinator, farm, changes, said):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(**changes))
    out = farm('run', 'wait', RUN_UUID)[1]
    assert said in out.replace(RUN_UUID, RUN_UUID[:8]) and 'ended finished' not in out


def test_counts_of_one_are_singular(coordinator, farm):
    coordinator.reply('GET', f'/runs/{RUN_UUID}/tasks/7',
                      task_dict(7, status='waiting', attempt=1, failed_tries=1))
    assert 'attempt    1 (1 failed try)' in farm('task', RUN_UUID, 7)[1]
    coordinator.reply('POST', '/runs', run_dict(num_tasks=1, state='waiting', done=0, waiting=1),
                      status=201)
    out = farm('submit', '--tasks', 1, '--', 'echo', '{task}')[1]
    assert ': 1 task of' in out and '(s)' not in out


def worker_dict(**changes) -> dict:
    return {'uuid': 'a1b2c3d4' + '0' * 24, 'hostname': 'node7', 'pid': 42, 'slots': 4, 'cpus': 4,
            'memory_bytes': 1 << 30, 'load': 0.5, 'state': 'idle', 'reason': None,
            'slurm_job_id': '1234', 'walltime_end_at': '2026-11-23T18:20:05+00:00',
            'last_heartbeat_at': '2026-11-23T17:20:00+00:00',
            'created_at': '2026-11-23T17:00:00+00:00', 'tasks': [], **changes}


def test_a_worker_that_has_left_shows_no_walltime_left(coordinator, farm):
    coordinator.reply('GET', '/workers', {'now': NOW, 'total': 3, 'workers': [
        worker_dict(), worker_dict(uuid='b' * 32, state='stopped', reason='run finished'),
        worker_dict(uuid='c' * 32, state='lost', reason='no heartbeat for 60 s')]})
    rows = {line[:8]: line for line in farm('workers', '--state', 'all')[1].splitlines()}
    assert '59m 59s' in rows['a1b2c3d4']
    for gone in ('b' * 8, 'c' * 8):
        assert rows[gone].split()[-2:] == ['-', '-'], rows[gone]  # walltime left, runs


@pytest.mark.parametrize('category, explained', [
    ('ALGORITHM', "ALGORITHM (the task's own failure: it exited non-zero)"),
    ('SYSTEM', "SYSTEM (not the task's own: killed at its timeout, its worker lost, or its "
               'exit unknown)')])
def test_a_task_says_what_its_error_category_means(coordinator, farm, category, explained):
    coordinator.reply('GET', f'/runs/{RUN_UUID}/tasks/7',
                      dict(task_dict(7, status='failed'), error_category=category))
    out = farm('task', RUN_UUID, 7)[1]
    assert explained in ' '.join(out.split())


def test_the_help_of_task_explains_the_error_categories(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(['task', '--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert 'ALGORITHM' in text and 'SYSTEM' in text and 'timeout' in text


def test_submit_warns_when_every_task_would_run_the_same_command_and_goes_on(coordinator, farm):
    coordinator.reply('POST', '/runs', run_dict(state='waiting', done=0, waiting=30), status=201)
    code, _, err = farm('submit', '--tasks', 30, '--', './same.sh', '--fast')
    assert code == 0 and coordinator.requests[-1][2]['command'] == ['./same.sh', '--fast']
    assert err == ('farm: note: the command has no {task}: every task runs the same command '
                   'line (fine if it reads $FARM_TASK)\n')


@pytest.mark.parametrize('command', [['./job.sh', '{task}'], ['sh', '-c', './job $FARM_TASK']])
def test_submit_says_nothing_of_a_command_that_tells_tasks_apart(coordinator, farm, command):
    coordinator.reply('POST', '/runs', run_dict(state='waiting', done=0, waiting=30), status=201)
    code, _, err = farm('submit', '--tasks', 30, '--', *command)
    assert (code, err) == (0, '')
