"""The agent's decisions, with a fake coordinator and executor and injected time (nothing runs)."""

import errno
from pathlib import Path

import pytest

from farmworker.agent import Agent, NoCommand
from farmworker.client import Refused, Unreachable
from farmworker.config import AgentConfig, Node
from farmworker.executors import Finished, Progress
from tests.clock import Clock

RUN = 'r' * 32


class FakeCoordinator:
    """Answers the protocol calls the agent makes, and records them."""

    def __init__(self, tasks=(), waiting=0, held=(), inputs=None, command=None):
        self.queue = list(tasks)  # (number, attempt) handed out by claims, in order
        self.inputs, self.command = inputs, command  # the run's input lines and stored command
        self.stop: list[list[int]] = []  # what the next heartbeat reply tells the agent to stop
        self.waiting, self.held = waiting, list(held)
        self.calls, self.results, self.retried = [], [], False
        self.retry_next_claim = False
        self.refuse_heartbeat_with: int | None = None
        self.refusals: dict[str, tuple[int, str]] = {}  # path ending -> (status, msg), for good
        self.retry_limit_s: float | None = None
        self.refuses = lambda result: False  # which results a receipt refuses
        self.away, self.clock = False, None  # away: every call fails as the client's would
        self.time_left = lambda: None  # what the agent bounds the client's waits with

    def limit_waits(self, time_left):
        self.time_left = time_left

    def _wait_out_the_outage(self):
        """What the real client does while the coordinator is away: wait as long as it may."""
        left = self.time_left()
        if left is None:
            raise AssertionError('the call would wait for the coordinator for ever')
        self.clock.now += max(left, 0.0)
        raise Unreachable('coordinator not reachable: ConnectionRefusedError')

    def _receipt(self, results):
        refused = [r for r in results if self.refuses(r)]
        return {'accepted': [r['number'] for r in results if r not in refused],
                'refused': [{'number': r['number'], 'attempt': r['attempt'],
                             'reason': 'results[0].log_tail contains a NUL character'}
                            for r in refused]}

    def retry_within(self, seconds):
        self.retry_limit_s = seconds

    def call(self, method, path, body=None, **_):
        self.calls.append((method, path, body))
        self.retried = False
        if self.away:
            self._wait_out_the_outage()
        for ending, (status, msg) in self.refusals.items():
            if path.endswith(ending):
                raise Refused(status, msg)
        if path == '/workers':
            return {'heartbeat_s': 15.0}
        if path.endswith('/heartbeat') and self.refuse_heartbeat_with:
            status, self.refuse_heartbeat_with = self.refuse_heartbeat_with, None
            raise Refused(status, 'worker is lost')
        if path.endswith('/heartbeat'):
            stop, self.stop = self.stop, []
            return {'ok': True, 'stop': stop}
        if path == f'/runs/{RUN}':
            return {'command': self.command, 'expected_duration_s': None, 'task_timeout_s': None}
        if path.endswith('/claim'):
            self.retried, self.retry_next_claim = self.retry_next_claim, False
            self.results += body.get('results', [])
            taken, self.queue = self.queue[:body['max_tasks']], self.queue[body['max_tasks']:]
            reply = {'tasks': [self._task(n, a) for n, a in taken],
                     'run': {'waiting': len(self.queue) + self.waiting, 'running': 0}}
            if 'results' in body:
                reply['receipt'] = self._receipt(body['results'])
            return reply
        if path.endswith('/results'):
            self.results += body['results']
            return self._receipt(body['results'])
        if path.endswith('/tasks'):
            return {'tasks': [{'run': RUN, 'number': n, 'attempt': a} for n, a in self.held]}
        return {}

    def _task(self, number, attempt):
        task = {'number': number, 'attempt': attempt, 'percent': 0}
        return task if self.inputs is None else dict(task, input=self.inputs[number])


class FakeExecutor:
    """Tasks finish when the test says so."""

    kill_grace_s = 5.0

    def __init__(self):
        self.started, self.finished, self.terminated = [], [], False
        self.argvs, self.auto_finish = [], False  # auto_finish: tasks end as soon as started
        self.progressed = {}  # what the next progress() reports
        self.cannot_start: dict[int, OSError] = {}  # task number -> what starting it raises

    def start(self, number, attempt, argv, env, task_dir, timeout_s, cwd=None):
        if number in self.cannot_start:
            raise self.cannot_start[number]
        self.started.append((number, attempt, argv, env))
        self.argvs.append(argv)
        if self.auto_finish:
            self.finished.append(finished(number, attempt))

    def poll(self):
        done, self.finished = self.finished, []
        for item in done:
            self.started = [s for s in self.started if s[:2] != (item.number, item.attempt)]
        return done

    def progress(self):
        progressed, self.progressed = self.progressed, {}
        return progressed

    def running(self):
        return [s[:2] for s in self.started]

    def terminate_all(self):
        self.terminated = True
        self.terminate(self.running())

    def terminate(self, keys):
        self.finished += [finished(n, a, terminated=True) for n, a in keys if (n, a) in self.running()]

    def __len__(self):
        return len(self.started)


def finished(number, attempt, exit_code=0, *, timed_out=False, terminated=False,
             exit_unknown=False):
    return Finished(number, attempt, exit_code, timed_out, terminated, 1.0, Path('log'), 'tail',
                    exit_unknown)


def make(coordinator, *, slots=2, walltime_end_at=None, now=1000.0, command=('job', '{task}'),
         **config):
    executor, clock = FakeExecutor(), Clock(now)
    agent = Agent(AgentConfig(run=RUN, command=command and list(command), slots=slots,
                              log_dir=Path('/tmp/logs'), **config),
                  coordinator, executor, Node(hostname='n1', pid=1, walltime_end_at=walltime_end_at),
                  clock=clock, sleep=lambda s: None, environ={'FARM_TOKEN': 'secret', 'HOME': '/h'})
    coordinator.clock = clock
    agent._register()
    agent.work.policy = {'expected_duration_s': None, 'task_timeout_s': None}
    return agent, executor, clock


def test_tasks_start_with_their_number_in_the_command_and_no_token_in_their_environment():
    agent, executor, _ = make(FakeCoordinator(tasks=[(4, 1), (5, 1)]))
    agent._step()
    assert [(n, argv) for n, _, argv, _ in executor.started] == [(4, ['job', '4']), (5, ['job', '5'])]
    env = executor.started[0][3]
    assert env['FARM_TASK'] == '4' and 'FARM_TOKEN' not in env


def carrying_results(coordinator) -> list[str]:
    """The paths of the requests that carried results."""
    return [path for _, path, body in coordinator.calls if body and 'results' in body]


def test_outcomes_become_results_and_ride_on_the_next_claim_in_one_batch():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1), (2, 1), (3, 1)])
    agent, executor, _ = make(coordinator, slots=4)
    agent._step()
    executor.finished = [finished(0, 1), finished(1, 1, 3), finished(2, 1, None, timed_out=True),
                         finished(3, 1, None, terminated=True)]
    agent._step()
    assert [(r['number'], r['outcome'], r.get('exit_code')) for r in coordinator.results] == [
        (0, 'complete', 0), (1, 'failed', 3), (2, 'timeout', None), (3, 'released', None)]
    assert carrying_results(coordinator) == [f'/runs/{RUN}/claim']


def test_results_go_alone_when_no_claim_is_due():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, _ = make(coordinator, slots=2)
    agent._step()
    executor.finished = [finished(0, 1)]
    agent.drain('SIGTERM')  # draining: no more claims, but results are still delivered
    agent._step()
    assert carrying_results(coordinator) == [f'/runs/{RUN}/results']
    assert [r['number'] for r in coordinator.results] == [0]


def test_a_big_outbox_is_delivered_in_requests_the_coordinator_accepts():
    coordinator = FakeCoordinator()
    agent, _, _ = make(coordinator, slots=1)
    agent._outbox = {(n, 1): {'number': n, 'attempt': 1, 'outcome': 'complete'}
                     for n in range(2500)}
    agent.drain('SIGTERM')
    for _ in range(3):
        agent._step()
    sizes = [len(body['results']) for _, _, body in coordinator.calls if body and 'results' in body]
    assert sizes == [1000, 1000, 500] and not agent._outbox


def test_after_a_retried_claim_only_tasks_the_agent_does_not_run_are_handed_back():
    coordinator = FakeCoordinator(tasks=[(8, 1)], held=[(6, 1), (8, 1)])
    coordinator.retry_next_claim = True  # the answer to a first try, handing out 6, was lost
    agent, executor, _ = make(coordinator, slots=1)
    agent._step()
    agent._step()
    assert executor.running() == [(8, 1)]
    assert [(r['number'], r['outcome']) for r in coordinator.results] == [(6, 'released')]


def test_the_agent_never_backs_off_longer_than_its_heartbeat_interval():
    # a restarted coordinator judges agents one ttl after it is back: one that waited out
    # the outage with a long backoff would be declared lost and its finished work refused
    coordinator = FakeCoordinator()
    make(coordinator)
    assert coordinator.retry_limit_s == 15.0


def test_no_task_is_claimed_that_would_outlive_the_walltime_and_the_agent_drains():
    coordinator = FakeCoordinator(tasks=[(0, 1)])
    agent, executor, _ = make(coordinator, walltime_end_at=1000.0 + 100, margin_s=30)
    agent.work.policy['expected_duration_s'] = 80.0
    agent._step()
    assert executor.started == [] and agent.draining == 'walltime'
    assert agent._finished()


def walltime_stops_claims(coordinator, **config):
    """An agent whose tasks take 60 s and whose job ends at 1100: at 1040 a task no longer fits.

    Tasks 0 and 1 start at 1000; task 0 ends at 1040, task 1 runs on.
    """
    agent, executor, clock = make(coordinator, walltime_end_at=1100.0, margin_s=10, **config)
    agent.work.policy['expected_duration_s'] = 60.0
    agent._step()
    clock.now += 40
    executor.finished = [finished(0, 1)]
    agent._step()
    assert agent.draining == 'walltime' and executor.running() == [(1, 1)]
    return agent, executor, clock


def test_tasks_that_fit_the_walltime_run_to_their_end_once_no_more_would():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1), (2, 1)])
    agent, executor, clock = walltime_stops_claims(coordinator, grace_s=5)
    for _ in range(4):  # more than the grace time: it is for a drain asked for, not this one
        clock.now += 5
        agent._step()
    assert not executor.terminated
    executor.finished = [finished(1, 1)]  # at 1060, well before the walltime
    agent._step()
    assert [(r['number'], r['outcome']) for r in coordinator.results] == [
        (0, 'complete'), (1, 'complete')]
    assert executor.started == [] and agent._finished()


def test_a_signal_after_the_walltime_stopped_claims_hands_tasks_back_after_the_grace_time():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1), (2, 1)])
    agent, executor, clock = walltime_stops_claims(coordinator, grace_s=5)
    agent._step()
    clock.now += 10  # 1050: twice the grace time since claims stopped
    agent.drain('SIGUSR1')
    agent._step()
    assert not executor.terminated, 'the grace time starts with the drain asked for'
    clock.now += 5
    agent._step()
    agent._step()
    assert [r['outcome'] for r in coordinator.results] == ['complete', 'released']
    assert executor.terminated and agent._finished()


def test_a_task_killed_by_a_signal_once_the_walltime_stopped_claims_has_failed():
    # no drain was asked for, so no one sent the task a signal to end the job: it failed
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1), (2, 1)])
    agent, executor, _ = walltime_stops_claims(coordinator)
    executor.finished = [finished(1, 1, -11)]  # SIGSEGV
    agent._step()
    assert (coordinator.results[-1]['number'], coordinator.results[-1]['outcome']) == (1, 'failed')


def test_results_wait_for_an_absent_coordinator_while_the_walltime_only_stops_claims():
    # the farewell is for a drain asked for, when the job is about to end; this one has time
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1), (2, 1)])
    agent, executor, clock = walltime_stops_claims(coordinator)
    coordinator.away = True
    executor.finished = [finished(1, 1)]
    for _ in range(10):  # each step waits a second for the coordinator, then the loop sleeps
        agent._step()
        clock.now += 1
    assert clock.now > 1040 + 2 * agent.config.farewell_s and not agent._finished()
    coordinator.away = False
    agent._step()
    assert [r['number'] for r in coordinator.results] == [0, 1] and agent._finished()


def test_draining_waits_the_grace_time_then_hands_tasks_back():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, clock = make(coordinator, grace_s=20)
    agent._step()
    agent.drain('SIGUSR1')
    agent._step()
    clock.now += 19
    agent._step()
    assert not executor.terminated
    clock.now += 1
    agent._step()
    agent._step()
    assert executor.terminated and {r['outcome'] for r in coordinator.results} == {'released'}
    assert agent._finished()


def test_a_task_killed_by_a_signal_while_draining_is_handed_back_not_failed():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, _ = make(coordinator)
    agent._step()
    executor.finished = [finished(0, 1, -15)]  # SIGTERM from elsewhere, before any drain
    agent._step()
    agent.drain('SIGTERM')
    executor.finished = [finished(1, 1, -15)]  # Slurm's SIGTERM reached the task too
    agent._step()
    assert [(r['number'], r['outcome']) for r in coordinator.results] == [
        (0, 'failed'), (1, 'released')]


def test_the_agent_leaves_when_the_run_has_nothing_left():
    agent, _, _ = make(FakeCoordinator())
    agent._step()
    assert agent._finished()


def test_the_agent_waits_while_tasks_may_still_come_then_leaves_after_max_idle():
    agent, _, clock = make(FakeCoordinator(waiting=3), max_idle_s=60)
    agent._step()
    assert not agent._finished()
    clock.now += 60
    assert agent._finished()


def test_an_agent_declared_lost_registers_again():
    coordinator = FakeCoordinator()
    agent, _, clock = make(coordinator)
    coordinator.refuse_heartbeat_with = 409
    agent._heartbeat(clock.now + 16)
    assert [path for _, path, _ in coordinator.calls].count('/workers') == 2


def test_other_refusals_are_not_swallowed():
    coordinator = FakeCoordinator()
    agent, _, clock = make(coordinator)
    coordinator.refuse_heartbeat_with = 401
    with pytest.raises(Refused):
        agent._heartbeat(clock.now + 16)


def test_a_tasks_input_line_is_one_argument_kept_verbatim():
    line = """a b 'c' "d" $HOME ; rm -rf /"""
    coordinator = FakeCoordinator(tasks=[(0, 1)], inputs=[line])
    agent, executor, _ = make(coordinator, slots=1)
    agent.work.command = ['echo', '{task}:{line}']
    agent._step()
    assert executor.started[0][2] == ['echo', f'0:{line}']


def test_without_a_command_line_the_agent_runs_the_runs_stored_command():
    coordinator = FakeCoordinator(tasks=[(3, 1)], command=['sim', '--case', '{task}'])
    agent, executor, _ = make(coordinator, slots=1, command=None)
    executor.auto_finish = True
    assert agent.run() == 0
    assert executor.argvs == [['sim', '--case', '3']]
    assert [r['outcome'] for r in coordinator.results] == ['complete']


def test_a_run_without_a_stored_command_is_one_clear_error_before_registering():
    coordinator = FakeCoordinator()
    agent, _, _ = make(coordinator, command=None)
    coordinator.calls.clear()
    with pytest.raises(NoCommand, match='has no stored command'):
        agent.run()
    assert [path for _, path, _ in coordinator.calls] == [f'/runs/{RUN}']


def test_the_heartbeat_names_the_runs_tasks_this_agent_runs():
    coordinator = FakeCoordinator(tasks=[(5, 2), (4, 1)])
    agent, _, clock = make(coordinator)
    agent._step()
    agent._heartbeat(clock.now)
    _, _, body = coordinator.calls[-1]
    assert body['run'] == RUN and body['running'] == [[4, 1], [5, 2]]


def test_tasks_the_heartbeat_reply_takes_back_are_killed_and_their_results_dropped():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, clock = make(coordinator)
    agent._step()
    coordinator.stop = [[0, 1], [9, 1]]  # 9 is not ours: ignored
    agent._heartbeat(clock.now)
    agent._step()
    assert executor.running() == [(1, 1)] and coordinator.results == []
    executor.finished.append(finished(1, 1))
    agent._step()
    assert [(r['number'], r['outcome']) for r in coordinator.results] == [(1, 'complete')]


def test_a_busy_agent_heartbeats_each_interval_though_its_reports_keep_it_in_touch():
    coordinator = FakeCoordinator(tasks=[(n, 1) for n in range(10)])
    agent, executor, clock = make(coordinator)
    agent._step()
    for _ in range(4):  # a result every 5 s: contact, but no heartbeat, without the rule
        clock.now += 5
        executor.finished.append(finished(executor.running()[0][0], 1))
        agent._step()
    assert any(path.endswith('/heartbeat') for _, path, _ in coordinator.calls)


def test_a_task_whose_exit_is_unknown_is_reported_as_a_system_error_not_a_success():
    coordinator = FakeCoordinator(tasks=[(0, 1)])
    agent, executor, _ = make(coordinator, slots=1)
    agent._step()
    executor.finished = [finished(0, 1, None, exit_unknown=True)]
    agent._step()
    [result] = coordinator.results
    assert (result['outcome'], 'exit_code' in result) == ('system_error', False)
    assert 'exit status unknown' in result['msg']


def sent(coordinator) -> list[tuple]:
    return [(r['number'], r['outcome'], sorted(r)) for r in coordinator.results]


def test_a_refused_final_result_goes_once_more_without_its_text_and_refused_progress_not():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    coordinator.refuses = lambda result: 'log_tail' in result or 'msg' in result
    agent, executor, _ = make(coordinator, slots=2)
    agent._step()
    executor.finished = [finished(0, 1, 3)]
    executor.progressed = {(1, 1): Progress(50.0, 'bad')}
    agent._step()
    agent._step()
    agent._step()
    full = ['attempt', 'exit_code', 'log_tail', 'number', 'outcome']
    assert sent(coordinator) == [
        (0, 'failed', full), (1, 'running', ['attempt', 'msg', 'number', 'outcome', 'percent']),
        (0, 'failed', ['attempt', 'exit_code', 'number', 'outcome'])]
    assert not agent._outbox


def test_a_bare_result_that_is_refused_too_is_dropped():
    coordinator = FakeCoordinator(tasks=[(0, 1)])
    coordinator.refuses = lambda result: True  # e.g. its attempt is stale
    agent, executor, _ = make(coordinator, slots=1)
    agent._step()
    executor.finished = [finished(0, 1)]
    for _ in range(4):
        agent._step()
    assert sent(coordinator) == [(0, 'complete', ['attempt', 'exit_code', 'log_tail', 'number',
                                                  'outcome']),
                                 (0, 'complete', ['attempt', 'exit_code', 'number', 'outcome'])]
    assert not agent._outbox


# -- every way out: tasks stopped, the coordinator told

def between_steps(agent, *actions):
    """Make the agent's sleeps pass time on its clock, doing one of `actions` at each, in turn."""
    pending = list(actions)

    def sleep(seconds):
        agent._clock.now += seconds
        if pending:
            pending.pop(0)()
    agent._sleep = sleep


def goodbyes(coordinator) -> list[dict]:
    return [body for _, path, body in coordinator.calls if path.endswith('/stop')]


def test_a_refusal_stops_the_running_tasks_and_tells_the_coordinator_why_the_agent_left():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)], waiting=5)
    agent, executor, _ = make(coordinator)

    def task_0_ends_and_the_run_is_deleted():
        executor.finished = [finished(0, 1)]
        coordinator.refusals['/claim'] = (404, f'no run {RUN}')
    between_steps(agent, task_0_ends_and_the_run_is_deleted)
    with pytest.raises(Refused, match='no run'):
        agent.run()
    assert executor.terminated and executor.running() == []
    assert goodbyes(coordinator) == [
        {'reason': f'the coordinator refused: no run {RUN} (HTTP 404)'}]


def test_an_unexpected_error_stops_the_running_tasks_and_tells_the_coordinator_too():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, _ = make(coordinator)
    executor.cannot_start = {1: OSError(errno.EAGAIN, 'Resource temporarily unavailable')}
    with pytest.raises(OSError):
        agent.run()
    assert executor.terminated and executor.running() == []
    assert goodbyes(coordinator) == [{'reason': 'BlockingIOError: [Errno 11] Resource '
                                                'temporarily unavailable'}]


def test_a_drain_with_the_coordinator_away_ends_after_the_grace_time_and_a_bounded_farewell():
    coordinator = FakeCoordinator(tasks=[(0, 1), (1, 1)])
    agent, executor, clock = make(coordinator, grace_s=20)
    signalled_at = []

    def the_coordinator_goes_and_sigterm_comes():
        coordinator.away = True
        agent.drain('SIGTERM')
        signalled_at.append(clock.now)
    between_steps(agent, the_coordinator_goes_and_sigterm_comes)
    assert agent.run() == 1
    assert executor.terminated and executor.running() == []
    took_s = clock.now - signalled_at[0]
    assert 20 <= took_s <= 20 + agent.config.farewell_s + 3
    assert goodbyes(coordinator), 'it tried to say goodbye'


def test_the_ready_file_appears_once_the_agent_is_registered_and_not_before(tmp_path):
    ready = tmp_path / 'ready'
    coordinator = FakeCoordinator()
    agent, _, _ = make(coordinator, ready_file=ready)
    coordinator.refusals['/workers'] = (401, 'unknown or expired token')
    with pytest.raises(Refused):
        agent.run()
    assert not ready.exists()
    del coordinator.refusals['/workers']
    assert agent.run() == 0
    assert ready.read_text() == agent.config.uuid + '\n'
