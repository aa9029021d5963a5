"""Each `farm` command against canned coordinator replies: what it asks, what it prints, its status."""

import base64
import json
import stat

import pytest

from farmworker.farm import config
from tests.farmworker.farm.fake_coordinator import NOW, RUN_UUID, run_dict, task_dict

SHORT = RUN_UUID[:8]


def runs_reply(*runs):
    return {'now': NOW, 'total': len(runs), 'runs': list(runs)}


def test_runs_lists_every_run_with_its_counts_in_both_outputs(coordinator, farm, farm_json):
    coordinator.reply('GET', '/runs', runs_reply(run_dict(done=28, failed=2, state='finished')))
    code, out, _ = farm('runs')
    assert code == 0
    row = next(line for line in out.splitlines() if line.startswith(SHORT))
    assert 'sweep' in row and 'finished' in row and '28/30' in row and ' 2 ' in row
    assert farm_json('runs')['runs'][0]['done'] == 28
    assert coordinator.requests[-1][1] == '/farm/v1/runs?state=active&limit=50&offset=0'


def test_a_run_is_found_by_the_start_of_its_uuid(coordinator, farm):
    coordinator.reply('GET', '/runs', runs_reply(run_dict(), run_dict(uuid='9' * 32)))
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    code, out, _ = farm('run', 'show', SHORT)
    assert code == 0 and RUN_UUID in out


def test_last_names_the_newest_run(coordinator, farm):
    coordinator.reply('GET', '/runs', runs_reply(run_dict()))
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    assert farm('run', 'wait', 'last')[0] == 0
    assert coordinator.requests[0][1] == '/farm/v1/runs?state=all&limit=1&offset=0'


@pytest.mark.parametrize('run_id, message', [
    ('3f2a', 'is the start of 2 runs'), ('abcd', 'no run abcd'), ('zz', 'not a run id')])
def test_a_run_id_that_names_no_single_run_is_one_clear_error(coordinator, farm, run_id, message):
    coordinator.reply('GET', '/runs', runs_reply(run_dict(), run_dict(uuid='3f2a' + '1' * 28)))
    code, out, err = farm('run', 'show', run_id)
    assert code == 1 and out == '' and message in err and len(err.splitlines()) == 1


def test_show_names_failed_tasks_with_their_exit_codes(coordinator, farm, farm_json):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(done=28, failed=2, percent_done=93.3))
    coordinator.reply('GET', f'/runs/{RUN_UUID}/tasks', {'now': NOW, 'next_after': None, 'tasks': [
        task_dict(7, status='failed', exit_code=3, msg='bad input'),
        task_dict(19, status='failed', exit_code=None, msg='killed after 60 s')]})
    code, out, _ = farm('run', 'show', RUN_UUID)
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if line.split()[:1] in (['7'], ['19'])}
    assert rows['7'][1] == '3' and rows['19'][1] == '-'
    assert '28 done, 2 failed' in out
    facts = farm_json('run', 'show', RUN_UUID)
    assert [(t['number'], t['exit_code']) for t in facts['failures']] == [(7, 3), (19, None)]
    assert facts['run']['failed'] == 2
    assert '?after=-1&limit=20&status=failed' in coordinator.requests[-1][1]


def test_wait_exits_0_once_every_task_is_done(coordinator, farm):
    coordinator.replies[('GET', f'/farm/v1/runs/{RUN_UUID}')] = [
        (200, run_dict(state='running', done=10, running=2, waiting=18)), (200, run_dict())]
    code, out, _ = farm('run', 'wait', RUN_UUID, '--poll', '0.01')
    assert code == 0
    assert f'run {SHORT}: 10/30 done' in out and 'finished: all of its 30 tasks done' in out


@pytest.mark.parametrize('changes', [{'done': 29, 'failed': 1}, {'done': 5, 'cancelled': 25,
                                                                 'state': 'cancelled'}],
                         ids=['failed', 'cancelled'])
def test_wait_exits_3_when_a_task_failed_or_was_cancelled(coordinator, farm, farm_json, changes):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(**changes))
    code, out, _ = farm('run', 'wait', RUN_UUID)
    assert code == 3 and f'farm run show {SHORT}' in out
    code = farm('run', 'wait', RUN_UUID, '--json')[0]
    assert code == 3


def test_wait_gives_up_after_its_timeout_with_status_124(coordinator, farm):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(state='running', done=1, waiting=29))
    code, out, _ = farm('run', 'wait', RUN_UUID, '--timeout', '0.05', '--poll', '0.01')
    assert code == 124 and 'Still going' in out


def test_wait_json_is_one_document_with_the_final_state(coordinator, farm):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    code, out, _ = farm('run', 'wait', RUN_UUID, '--json')
    facts = json.loads(out)
    assert code == 0 and facts['ok'] and facts['run']['done'] == 30 and facts['exit_status'] == 0


@pytest.mark.parametrize('action', ['cancel', 'restart', 'delete'])
def test_without_a_terminal_destructive_actions_need_yes(coordinator, farm, action):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    code, _, err = farm('run', action, RUN_UUID)
    assert code == 1 and 'add --yes' in err
    assert all(method == 'GET' for method, *_ in coordinator.requests)


def test_cancel_with_yes_cancels_and_shows_the_counts_after(coordinator, farm, farm_json):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict(state='running', done=3, waiting=27))
    coordinator.reply('POST', f'/runs/{RUN_UUID}/cancel',
                      run_dict(state='cancelled', done=3, cancelled=27))
    code, out, _ = farm('run', 'cancel', RUN_UUID, '--yes')
    assert code == 0 and 'Cancelled run' in out and '27 cancelled' in out
    assert farm_json('run', 'cancel', RUN_UUID, '--yes')['run']['cancelled'] == 27


def test_restart_all_asks_the_coordinator_for_every_task(coordinator, farm):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    coordinator.reply('POST', f'/runs/{RUN_UUID}/restart', run_dict(state='waiting', waiting=30,
                                                                     done=0))
    assert farm('run', 'restart', RUN_UUID, '--all', '-y')[0] == 0
    assert coordinator.requests[-1][:3] == ('POST', f'/farm/v1/runs/{RUN_UUID}/restart',
                                            {'all': True})


def test_delete_with_yes_deletes(coordinator, farm_json):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', run_dict())
    coordinator.reply('DELETE', f'/runs/{RUN_UUID}', None, status=204)
    assert farm_json('run', 'delete', RUN_UUID, '--yes')['deleted'] is True


def test_task_shows_status_attempts_worker_exit_code_and_log(coordinator, farm, farm_json):
    coordinator.reply('GET', f'/runs/{RUN_UUID}/tasks/7', dict(
        task_dict(7, status='failed', attempt=3, failed_tries=3, exit_code=2, input='a $b'),
        log_tail='line 1\n[bold]not markup[/bold]\n', error_category='ALGORITHM'))
    code, out, _ = farm('task', RUN_UUID, 7)
    assert code == 0
    assert 'failed' in out and '3 (3 failed tries)' in out and 'node7' in out
    assert 'exit code  2' in out and 'a $b' in out and '[bold]not markup[/bold]' in out
    facts = farm_json('task', RUN_UUID, 7)
    assert (facts['exit_code'], facts['attempt'], facts['hostname']) == (2, 3, 'node7')


def test_log_prints_the_tail_verbatim_or_its_last_lines(coordinator, farm, farm_json):
    coordinator.reply('GET', f'/runs/{RUN_UUID}/tasks/4',
                      dict(task_dict(4), log_tail='one\ntwo\n[red]three[/red]\n'))
    assert farm('log', RUN_UUID, 4)[1] == 'one\ntwo\n[red]three[/red]\n'
    assert farm('log', RUN_UUID, 4, '-n', '2')[1] == 'two\n[red]three[/red]\n'
    assert farm_json('log', RUN_UUID, 4, '-n', '1')['log_tail'] == '[red]three[/red]\n'


def test_workers_shows_state_load_heartbeat_and_walltime_left(coordinator, farm, farm_json):
    worker = {'uuid': 'a1b2c3d4' + '0' * 24, 'hostname': 'node7', 'pid': 42, 'slots': 4,
              'cpus': 4, 'memory_bytes': 1 << 30, 'load': 3.5, 'state': 'busy', 'reason': None,
              'slurm_job_id': '1234', 'walltime_end_at': '2026-11-23T18:20:05+00:00',
              'last_heartbeat_at': '2026-11-23T17:20:00+00:00',
              'created_at': '2026-11-23T17:00:00+00:00',
              'tasks': [{'run': RUN_UUID, 'number': 1, 'attempt': 1}]}
    coordinator.reply('GET', '/workers', {'now': NOW, 'total': 1, 'workers': [worker]})
    code, out, _ = farm('workers')
    row = next(line for line in out.splitlines() if line.startswith('a1b2c3d4'))
    # 3,599.88 s of walltime left: a countdown shows 59m59s until the hour is really gone
    for fact in ('node7', 'busy', '3.50', '5s ago', '1234', '59m 59s', SHORT):
        assert fact in row
    assert farm_json('workers')['workers'][0]['load'] == 3.5


def test_submit_creates_the_run_with_its_command_and_prints_how_to_watch_it(coordinator, farm,
                                                                             farm_json):
    coordinator.reply('POST', '/runs', run_dict(state='waiting', done=0, waiting=30), status=201)
    code, out, _ = farm('submit', '--tasks', 30, '--', 'sh', '-c', 'echo {task}')
    assert code == 0 and RUN_UUID in out and f'farm run wait {RUN_UUID}' in out
    assert coordinator.requests[-1][2] == {'command': ['sh', '-c', 'echo {task}'], 'num_tasks': 30}
    code, out, _ = farm('submit', '--json', '--tasks', 30, '--', 'sh', '-c', 'echo {task}')
    facts = json.loads(out)
    assert facts['run']['uuid'] == RUN_UUID and facts['workers'] is None


def test_login_trades_the_password_for_a_token_kept_owner_only(coordinator, farm, monkeypatch,
                                                               tmp_path):
    coordinator.reply('POST', '/tokens', {'token': 'farm_new', 'scope': 'user'}, status=201)
    monkeypatch.setattr('sys.stdin', __import__('io').StringIO('pass word\n'))
    code, out, _ = farm('login', coordinator.url + '/', '--user', 'alice', '--password-stdin')
    assert code == 0 and 'as alice' in out
    method, path, body, headers = coordinator.requests[-1]
    assert (method, path, body) == ('POST', '/farm/v1/tokens', {'scope': 'user'})
    assert headers['Authorization'] == 'Basic ' + base64.b64encode(b'alice:pass word').decode()
    path = tmp_path / 'config' / 'farm' / 'config.toml'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.read_file(path) == {'url': coordinator.url, 'token': 'farm_new'}


@pytest.mark.parametrize('status, message', [
    (401, 'refused the token (unknown or expired token): run `farm login'),
    (404, f'no run {RUN_UUID}')], ids=['bad-token', 'unknown-run'])
def test_refusals_are_one_line_on_stderr(coordinator, farm, status, message):
    coordinator.reply('GET', f'/runs/{RUN_UUID}', {'msg': message.split('(')[-1].split(')')[0]
                                                   if status == 401 else message}, status=status)
    code, out, err = farm('run', 'show', RUN_UUID)
    assert code == 1 and out == ''
    assert err.startswith('farm: ') and message in err and len(err.splitlines()) == 1


def test_no_configuration_is_one_line_saying_to_log_in(coordinator, farm, monkeypatch):
    monkeypatch.delenv('FARM_URL')
    code, _, err = farm('runs')
    assert code == 1 and err == 'farm: no coordinator: run `farm login URL` or set FARM_URL\n'


def test_on_a_terminal_wait_draws_a_live_bar_in_colour(coordinator, monkeypatch):
    import os
    import pty
    import sys
    from pathlib import Path

    coordinator.replies[('GET', f'/farm/v1/runs/{RUN_UUID}')] = [
        (200, run_dict(state='running', done=10, running=2, waiting=18, eta_s=40.0)),
        (200, run_dict(done=29, failed=1))]
    monkeypatch.setenv('COLUMNS', '100')
    monkeypatch.delenv('NO_COLOR', raising=False)
    farm = str(Path(sys.executable).parent / 'farm')
    pid, fd = pty.fork()
    if pid == 0:  # the child: `farm run wait` with a terminal as its stdout
        os.execv(farm, [farm, 'run', 'wait', RUN_UUID, '--poll', '0.2'])
    seen = b''
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    text = seen.decode(errors='replace')
    assert os.waitstatus_to_exitcode(status) == 3
    assert '━' in text and '10/30' in text and 'ETA 40s' in text and '\x1b[' in text
    assert 'farm run show 3f2a1b9c' in text.replace('\r\n', ' ')


def test_a_local_agent_that_fails_at_once_is_told_with_the_run_it_left(coordinator, farm,
                                                                       monkeypatch, tmp_path):
    script = tmp_path / 'farmworker'
    script.write_text('#!/bin/sh\necho "farmworker: run has no stored command" >&2; exit 1\n')
    script.chmod(0o755)
    monkeypatch.setattr('farmworker.farm.local.farmworker_executable', lambda: str(script))
    coordinator.reply('POST', '/runs', run_dict(state='waiting', done=0, waiting=30), status=201)
    coordinator.reply('POST', '/tokens', {'token': 'farm_worker', 'scope': 'worker'}, status=201)
    code, _, err = farm('submit', '--local', 2, '--tasks', 30, '--log-dir', tmp_path / 'logs',
                        '--', 'true', '{task}')
    assert code == 1 and len(err.splitlines()) == 1
    assert f'run {RUN_UUID} is created, but no workers' in err and 'no stored command' in err
    assert coordinator.requests[-1][2] == {'scope': 'worker', 'run': RUN_UUID}
