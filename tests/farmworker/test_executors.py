"""SubprocessExecutor: exit codes and logs, timeouts that kill whole groups, drains, progress."""

# These run real short processes. Timers run on a fake clock that the tests advance; the only
# real waiting is wait_for/wait_until polling for a process to get somewhere, with a deadline.

import json
import math
import os
import signal
import time
from pathlib import Path

import pytest

from farmworker.executors import Finished, Progress, SubprocessExecutor, write_progress


class FakeClock:
    now_s = 1000.0

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def wait_until(predicate, deadline_s: float = 2.0) -> None:
    limit = time.monotonic() + deadline_s
    while not predicate():
        assert time.monotonic() < limit, 'gave up waiting'
        time.sleep(0.01)


def wait_for(executor, count: int = 1, deadline_s: float = 2.0) -> list[Finished]:
    """Poll every 10 ms until `count` tasks have finished; their Finished, in order."""
    finished: list[Finished] = []

    def done() -> bool:
        finished.extend(executor.poll())
        return len(finished) >= count

    wait_until(done, deadline_s)
    return finished


def alive(pid: int) -> bool:
    """Whether pid is a live process; a zombie is dead (init here may never reap orphans)."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(')', 1)[1].split()[0] != 'Z'


def read_pid(path: Path) -> int:
    wait_until(path.exists)
    return int(path.read_text())


def stays_running(executor) -> bool:
    """Poll for ~50 ms of real time; whether nothing finished meanwhile."""
    for _ in range(5):
        if executor.poll():
            return False
        time.sleep(0.01)
    return True


def wait_ready(tmp_path: Path, number: int) -> None:
    """Wait for a script's 'ready': its trap is set, so a signal now meets it."""
    log = tmp_path / 'logs' / f'task-{number}.1.log'
    wait_until(lambda: 'ready' in log.read_text())


# Scripts write a pid through a temporary name, so a reader never sees an empty file.
SAVE_CHILD = 'echo $! > "$FARM_TASK_DIR/c.tmp"; mv "$FARM_TASK_DIR/c.tmp" "$FARM_TASK_DIR/child"'


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def executor(tmp_path, clock):
    executor = SubprocessExecutor(tmp_path / 'logs', kill_grace_s=5.0, clock=clock)
    yield executor
    executor.kill_all()
    wait_for(executor, count=len(executor))


def run_sh(executor, tmp_path, number, script, timeout_s=None, attempt=1):
    task_dir = tmp_path / 'tasks' / f'{number}.{attempt}'
    env = {'PATH': os.environ['PATH'], 'FARM_TASK_DIR': str(task_dir)}
    executor.start(number, attempt, ['sh', '-c', script], env, task_dir, timeout_s)
    return task_dir


def test_a_task_that_exits_zero_is_reported_with_its_log_tail(executor, tmp_path):
    run_sh(executor, tmp_path, 1, 'echo hello')
    [done] = wait_for(executor)
    assert done == Finished(number=1, attempt=1, exit_code=0, timed_out=False, terminated=False,
                            duration_s=0.0, log_path=tmp_path / 'logs' / 'task-1.1.log',
                            log_tail='hello\n')
    assert len(executor) == 0 and executor.running() == []


@pytest.mark.parametrize(('argv', 'code'), [
    (['true'], 0), (['false'], 1), (['sh', '-c', 'echo oops >&2; exit 3'], 3),
    (['sh', '-c', 'kill -KILL $$'], -9),  # a signal we did not send: minus its number
])
def test_exit_codes_are_reported_as_the_task_returned_them(executor, tmp_path, argv, code):
    executor.start(1, 1, argv, dict(os.environ), tmp_path / 'task', None)
    [done] = wait_for(executor)
    assert done.exit_code == code and not done.timed_out and not done.terminated
    assert done.log_tail == ('oops\n' if code == 3 else '')


def test_stdout_and_stderr_both_land_in_the_per_task_log(tmp_path, clock):
    executor = SubprocessExecutor(tmp_path / 'not' / 'yet' / 'logs', clock=clock)
    run_sh(executor, tmp_path, 7, 'echo out; echo err >&2; echo out again', attempt=2)
    [done] = wait_for(executor)
    assert done.log_path == tmp_path / 'not' / 'yet' / 'logs' / 'task-7.2.log'
    assert done.log_path.read_text() == done.log_tail == 'out\nerr\nout again\n'


def test_a_task_gets_default_signal_dispositions_not_the_agents(executor, tmp_path):
    # Python ignores SIGPIPE; inherited, `yes | head` would end with "yes: Broken pipe" errors
    run_sh(executor, tmp_path, 1, 'yes | head -n 1')
    [done] = wait_for(executor)
    assert done.exit_code == 0 and done.log_tail == 'y\n'


def test_a_log_directory_removed_between_tasks_is_made_again(tmp_path, clock):
    executor = SubprocessExecutor(tmp_path / 'logs', clock=clock)
    run_sh(executor, tmp_path, 1, 'echo one')
    wait_for(executor)
    (tmp_path / 'logs' / 'task-1.1.log').unlink()
    (tmp_path / 'logs').rmdir()
    run_sh(executor, tmp_path, 2, 'echo two')
    [done] = wait_for(executor)
    assert done.log_tail == 'two\n'


def test_the_log_tail_is_bounded_to_tail_bytes(tmp_path, clock):
    executor = SubprocessExecutor(tmp_path / 'logs', tail_bytes=16, clock=clock)
    run_sh(executor, tmp_path, 1, "printf '%05000d\\n' 0; echo the very end")
    [done] = wait_for(executor)
    assert done.log_path.stat().st_size > 5000
    assert done.log_tail == done.log_path.read_text()[-16:] == '00\nthe very end\n'


def test_a_tail_cut_inside_a_utf8_character_drops_the_broken_piece(tmp_path, clock):
    executor = SubprocessExecutor(tmp_path / 'logs', tail_bytes=5, clock=clock)
    run_sh(executor, tmp_path, 1, "printf 'x\\303\\251\\303\\251\\303\\251'")  # x then 3 x é
    [done] = wait_for(executor)
    assert done.log_tail == 'éé'


def test_a_log_tail_is_text_a_database_stores_whatever_bytes_the_task_wrote(executor, tmp_path):
    run_sh(executor, tmp_path, 1, "printf 'a\\377b\\000c\\n'")  # undecodable, then NUL
    [done] = wait_for(executor)
    assert done.log_tail == 'a\ufffdb\ufffdc\n'


@pytest.mark.parametrize('cwd', [None, '/'], ids=['agent-dir', 'own-dir'])
def test_a_task_reaped_by_another_process_has_an_unknown_exit_not_success(executor, tmp_path,
                                                                           cwd):
    # with SIGCHLD ignored the kernel reaps children itself: their exit status is gone
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    try:
        executor.start(1, 1, ['sh', '-c', 'exit 3'], dict(os.environ), tmp_path / 'task', None,
                       cwd=cwd)
        [done] = wait_for(executor)
    finally:
        signal.signal(signal.SIGCHLD, previous)
    assert done.exit_unknown and done.exit_code is None
    assert not done.timed_out and not done.terminated


def test_a_timed_out_task_is_killed_with_its_whole_process_group(executor, tmp_path, clock):
    task_dir = run_sh(executor, tmp_path, 1, f'sleep 30 & {SAVE_CHILD}; wait', timeout_s=10)
    child = read_pid(task_dir / 'child')
    clock.advance(9.9)
    assert executor.poll() == [] and alive(child)
    clock.advance(0.1)
    executor.poll()  # SIGTERM to the group: the shell and its child both die of it
    wait_until(lambda: not alive(child))
    clock.advance(5)  # where orphans stay zombies the group looks alive for the whole grace
    [done] = wait_for(executor)
    assert done.timed_out and not done.terminated and done.exit_code is None
    assert done.duration_s == 15


def test_sigkill_follows_when_sigterm_is_ignored(executor, tmp_path, clock):
    run_sh(executor, tmp_path, 1, "trap '' TERM; echo ready; sleep 30", timeout_s=1)
    wait_ready(tmp_path, 1)
    clock.advance(1)
    executor.poll()
    clock.advance(4.9)
    assert stays_running(executor)
    clock.advance(0.1)
    [done] = wait_for(executor)
    assert done.timed_out and done.exit_code is None


def test_a_task_that_exits_on_sigterm_keeps_its_exit_code(executor, tmp_path, clock):
    run_sh(executor, tmp_path, 1, "trap 'echo bye; exit 3' TERM; echo ready; while :; do :; done",
           timeout_s=1)
    wait_ready(tmp_path, 1)
    clock.advance(1)
    [done] = wait_for(executor)
    assert done.timed_out and done.exit_code == 3 and done.log_tail == 'ready\nbye\n'


def test_a_child_that_outlives_its_leader_is_killed_after_the_grace(executor, tmp_path, clock):
    script = f"trap '' TERM; sleep 30 & {SAVE_CHILD}; trap - TERM; wait"
    task_dir = run_sh(executor, tmp_path, 1, script, timeout_s=1)
    child = read_pid(task_dir / 'child')
    clock.advance(1)
    executor.poll()
    assert stays_running(executor)
    assert alive(child) and executor.running() == [(1, 1)]
    clock.advance(5)
    [done] = wait_for(executor)
    assert done.timed_out and done.exit_code is None
    wait_until(lambda: not alive(child))


def test_background_processes_left_by_a_finished_task_are_killed(executor, tmp_path):
    task_dir = run_sh(executor, tmp_path, 1, f'sleep 30 & {SAVE_CHILD}; exit 0')
    [done] = wait_for(executor)
    assert done.exit_code == 0 and not done.timed_out
    wait_until(lambda: not alive(read_pid(task_dir / 'child')))


def test_n_tasks_run_in_parallel(executor, tmp_path):
    # A barrier: each task waits until all three have started; one at a time, none would end.
    wall = tmp_path / 'barrier'
    wall.mkdir()
    script = f'touch {wall}/$FARM_TASK; until [ $(ls {wall} | wc -l) = 3 ]; do sleep .01; done'
    for number in (1, 2, 3):
        env = {'PATH': os.environ['PATH'], 'FARM_TASK': str(number)}
        executor.start(number, 1, ['sh', '-c', script], env, tmp_path / str(number), None)
    assert len(executor) == 3 and executor.running() == [(1, 1), (2, 1), (3, 1)]
    finished = wait_for(executor, count=3)
    assert sorted(done.number for done in finished) == [1, 2, 3]
    assert {done.exit_code for done in finished} == {0}


@pytest.mark.parametrize('cwd', [None, '/'], ids=['agent-dir', 'own-dir'])
def test_a_missing_or_unrunnable_executable_becomes_exit_127_without_raising(executor, tmp_path,
                                                                              cwd):
    not_executable = tmp_path / 'script.sh'
    not_executable.write_text('echo hi\n')
    executor.start(1, 1, [str(tmp_path / 'no-such-command')], {}, tmp_path / '1', None, cwd=cwd)
    executor.start(2, 1, [str(not_executable)], {}, tmp_path / '2', 10, cwd=cwd)
    assert len(executor) == 2
    missing, denied = executor.poll()
    assert missing.exit_code == denied.exit_code == 127
    assert 'No such file or directory' in missing.log_tail
    assert 'Permission denied' in denied.log_tail
    assert denied.log_path.read_text() == denied.log_tail and not denied.timed_out


def test_poll_never_waits_and_a_task_without_timeout_never_times_out(executor, tmp_path, clock):
    executor.start(1, 1, ['sleep', '30'], dict(os.environ), tmp_path / 'task', None)
    clock.advance(86400 * 365)
    began = time.monotonic()
    assert executor.poll() == [] and executor.poll() == []
    assert time.monotonic() - began < 0.1
    assert executor.running() == [(1, 1)]


def test_progress_is_reported_once_and_then_only_when_changed(executor, tmp_path):
    (tmp_path / 'tasks' / '1.1').mkdir(parents=True)
    write_progress(tmp_path / 'tasks' / '1.1', 99, 'left by an earlier attempt')
    task_dir = run_sh(executor, tmp_path, 1, 'sleep 30')
    assert executor.progress() == {}
    write_progress(task_dir, 10, 'warming up')
    assert executor.progress() == {(1, 1): Progress(10.0, 'warming up')}
    assert executor.progress() == {}
    write_progress(task_dir, 10, 'warming up')  # rewritten, not changed
    assert executor.progress() == {}
    write_progress(task_dir, 55.5, None)
    assert executor.progress() == {(1, 1): Progress(55.5, None)}


@pytest.mark.parametrize('content', [
    b'{"percent": 5', b'[]', b'{"percent": "50"}', b'{"percent": 150}', b'{"percent": -1}',
    b'{"percent": true}', b'{"percent": NaN}', b'{"percent": 5, "msg": 7}', b'\xff\xfe',
    b'[' * 100_000, b'',
])
def test_garbled_progress_is_ignored(executor, tmp_path, content):
    task_dir = run_sh(executor, tmp_path, 1, 'sleep 30')
    (task_dir / 'progress').write_bytes(content)
    assert executor.progress() == {}
    write_progress(task_dir, 20, 'fine again')
    assert executor.progress() == {(1, 1): Progress(20.0, 'fine again')}


@pytest.mark.parametrize('content', [
    b'{"percent": 5, "msg": "a\xffb"}',  # a byte that is not UTF-8
    b'{"percent": 5, "msg": "a\\udcffb"}',  # as `farmworker progress` writes such a byte of argv
    b'{"percent": 5, "msg": "a\\u0000b"}',  # a NUL, which PostgreSQL cannot store
], ids=['raw-byte', 'escaped-surrogate', 'nul'])
def test_progress_messages_arrive_as_text_with_replacement_characters(executor, tmp_path, content):
    task_dir = run_sh(executor, tmp_path, 1, 'sleep 30')
    (task_dir / 'progress').write_bytes(content)
    assert executor.progress() == {(1, 1): Progress(5.0, 'a\ufffdb')}


@pytest.mark.parametrize('percent', [-0.1, 100.5, math.nan, math.inf])
def test_write_progress_refuses_a_percent_outside_0_to_100(tmp_path, percent):
    with pytest.raises(ValueError):
        write_progress(tmp_path, percent, None)
    assert list(tmp_path.iterdir()) == []


def test_write_progress_replaces_the_file_and_leaves_no_temporary_files(tmp_path):
    write_progress(tmp_path, 0, 'start')
    write_progress(tmp_path, 100, 'x' * 5000)
    assert [path.name for path in tmp_path.iterdir()] == ['progress']
    assert json.loads((tmp_path / 'progress').read_text()) == {'percent': 100.0, 'msg': 'x' * 1024}


def test_terminate_all_marks_tasks_terminated_and_escalates_after_the_grace(
        executor, tmp_path, clock):
    run_sh(executor, tmp_path, 1, 'exec sleep 30', timeout_s=60)
    run_sh(executor, tmp_path, 2, "trap '' TERM; echo ready; sleep 30")
    wait_ready(tmp_path, 2)
    executor.terminate_all()
    [polite] = wait_for(executor)
    assert polite.number == 1 and polite.terminated and not polite.timed_out
    assert polite.exit_code is None and executor.running() == [(2, 1)]
    clock.advance(5)
    [stubborn] = wait_for(executor)
    assert stubborn.number == 2 and stubborn.terminated and stubborn.exit_code is None


def test_kill_all_kills_every_task_at_once(executor, tmp_path):
    run_sh(executor, tmp_path, 1, "trap '' TERM; echo ready; sleep 30")
    executor.start(2, 1, ['sleep', '30'], dict(os.environ), tmp_path / 'task2', None)
    wait_ready(tmp_path, 1)
    executor.kill_all()
    finished = wait_for(executor, count=2)
    assert all(done.terminated and done.exit_code is None for done in finished)


def test_the_task_gets_the_given_environment_and_the_agents_cwd(executor, tmp_path, monkeypatch):
    launch = tmp_path / 'launch'
    launch.mkdir()
    monkeypatch.chdir(launch)
    monkeypatch.setenv('AGENT_ONLY', 'leaked')
    env = {'PATH': os.environ['PATH'], 'FARM_TASK': '4'}
    task_dir = tmp_path / 'scratch' / 'deep' / '4'
    executor.start(4, 1, ['sh', '-c', 'echo "$FARM_TASK ${AGENT_ONLY-unset}"; pwd -P'], env,
                   task_dir, None)
    [done] = wait_for(executor)
    assert done.log_tail == f'4 unset\n{launch.resolve()}\n'
    assert task_dir.is_dir()


def test_a_task_started_in_its_own_directory_is_run_as_any_other(executor, tmp_path, clock,
                                                                  monkeypatch):
    # the way IronWorker code starts: in its code directory, found there by a relative name
    monkeypatch.setenv('AGENT_ONLY', 'leaked')
    code = tmp_path / 'code'
    code.mkdir()
    (code / 'task.sh').write_text(f'echo "$FARM_TASK ${{AGENT_ONLY-unset}}"; pwd -P; '
                                  f'yes | head -n 1; sleep 30 & {SAVE_CHILD}; wait\n')
    task_dir = tmp_path / 'tasks' / '5'
    env = {'PATH': os.environ['PATH'], 'FARM_TASK': '5', 'FARM_TASK_DIR': str(task_dir)}
    executor.start(5, 1, ['sh', 'task.sh'], env, task_dir, 10, cwd=str(code))
    child = read_pid(task_dir / 'child')
    clock.advance(10)
    executor.poll()  # its timeout: SIGTERM to the whole group, sleep included
    wait_until(lambda: not alive(child))
    [done] = wait_for(executor)
    assert done.timed_out and done.exit_code is None
    assert done.log_tail == f'5 unset\n{code.resolve()}\ny\n'


def test_starting_an_attempt_that_is_already_running_is_refused(executor, tmp_path):
    executor.start(1, 1, ['sleep', '30'], dict(os.environ), tmp_path / 'a', None)
    with pytest.raises(ValueError):
        executor.start(1, 1, ['true'], dict(os.environ), tmp_path / 'a', None)
    executor.start(1, 2, ['true'], dict(os.environ), tmp_path / 'b', None)
    assert executor.running() == [(1, 1), (1, 2)]


def test_terminate_stops_only_the_tasks_named(executor, tmp_path):
    run_sh(executor, tmp_path, 1, 'exec sleep 30')
    run_sh(executor, tmp_path, 2, 'exec sleep 30')
    executor.terminate([(1, 1), (7, 1)])  # 7 is not running: nothing to do for it
    [stopped] = wait_for(executor)
    assert stopped.number == 1 and stopped.terminated and executor.running() == [(2, 1)]
