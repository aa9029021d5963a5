"""The farmworker agent: claims tasks (a run's, or every family's), runs them N at a time, reports.

One loop, one thread. Each step collects finished tasks and progress, delivers
results (kept until the coordinator has them, however long it is away: see
delivery.py), then either drains or claims work for free slots, and heartbeats
when due. Signal handlers only set a flag. However the agent leaves, its tasks
are stopped and the coordinator is told, each in bounded time (leaving.py).
"""

import logging
import os
import time

from farmworker import delivery, long_logs, seed_jobs
from farmworker.client import Client, Refused, Unreachable
from farmworker.config import AgentConfig, Node
from farmworker.estimates import DurationWindow, expected_duration_s, fits
from farmworker.executors import SubprocessExecutor
from farmworker.leaving import Leaving
from farmworker.work import Launch, NoCommand, Place, RunWork, ServeWork

log = logging.getLogger(__name__)
__all__ = ['Agent', 'NoCommand']


class Agent:
    """Works on one run until it is done, idle or drained; or serves job types until idle or
    drained."""

    def __init__(self, config: AgentConfig, client: Client, executor: SubprocessExecutor,
                 node: Node, *, clock=time.time, sleep=time.sleep, environ=os.environ):
        self.config, self.client, self.executor, self.node = config, client, executor, node
        self.work = (RunWork(config.run, config.command) if config.run is not None
                     else ServeWork(config.job_types))
        self._clock, self._sleep = clock, sleep
        # a plain copy once: os.environ decodes on every access, a cost paid per task otherwise
        # absolute: a family may start its tasks elsewhere (cwd), their paths must still hold
        self._place = Place(dict(environ), config.slots, os.path.abspath(config.log_dir), node)
        self._jobs: dict[delivery.Key, seed_jobs.Prepared] = {}  # whose outputs to collect
        self._log_bytes: dict[delivery.Key, int] = {}  # whose long logs to send, up to what
        self._durations = DurationWindow()
        self._outbox: delivery.Outbox = {}
        self._last_contact = self._last_heartbeat = self._next_claim_at = 0.0
        self._stopped: set[delivery.Key] = set()  # tasks the coordinator took back: no results
        self._idle_since: float | None = None
        self._run_done = False
        self._heartbeat_s = 15.0  # until the coordinator says otherwise
        self._said_draining = False
        self._leaving = Leaving(config, client, executor, clock=clock, sleep=sleep)
        client.limit_waits(self._leaving.time_left_s)

    @property
    def draining(self) -> str | None:
        """Why the agent claims no more tasks, once so: a drain asked for, or the walltime."""
        return self._leaving.draining

    def drain(self, why: str) -> None:
        """Stop claiming; running tasks get `grace_s`, then are handed back. Signal-safe."""
        self._leaving.drain(why)

    def run(self) -> int:
        """Work until the run is done, idle or drained: 0 once the coordinator has heard it all.

        A refusal or an error is raised, after the tasks were stopped and the coordinator told.
        """
        self.work.prepare(self.client, self.config.connect_timeout_s)
        self._register()
        log.info('working on %s with %d slot(s)', self.work.describe(), self.config.slots)
        try:
            self._say_ready()
            while not self._finished():
                self._step()
                self._sleep(self.config.poll_s)
        except BaseException as exc:
            self._leaving.abandon(exc)
            raise
        reason = self.draining or ('run finished' if self._run_done else 'idle')
        return self._leaving.leave(reason, unsent=len(self._outbox))

    def _step(self) -> None:
        now = self._clock()
        self._collect()
        if self.draining:
            self._leaving.step(now)  # first: its timers run even while the coordinator is away
        try:
            self._exchange(now)
        except Unreachable as away:
            self._leaving.carry_on_without(away)  # which raises it unless draining

    def _exchange(self, now: float) -> None:
        """What the step has to tell the coordinator, and ask it."""
        if self.draining or not self._claim(now):  # a claim carries the results, if one is due
            self._deliver()
        # a busy agent heartbeats even while its reports keep it in touch: the reply is how
        # it learns which of its tasks were cancelled or restarted
        if (now - self._last_contact >= self._heartbeat_s
                or (len(self.executor) and now - self._last_heartbeat >= self._heartbeat_s)
                or (self.draining and not self._said_draining)):
            self._heartbeat(now)

    def _finished(self) -> bool:
        if len(self.executor):
            return False
        if self._outbox:
            return self._leaving.farewell_over()
        if self.draining or self._run_done:
            return True
        return (self._idle_since is not None
                and self._clock() - self._idle_since >= self.config.max_idle_s)

    def _say_ready(self) -> None:
        """Write the ready file, if asked to: a sign for whoever started us that cannot change
        with a log message (see farm/local.py). Written whole, then renamed into place."""
        if self.config.ready_file is None:
            return
        partial = self.config.ready_file.with_name(self.config.ready_file.name + '.partial')
        partial.write_text(self.config.uuid + '\n')
        os.replace(partial, self.config.ready_file)

    # -- registration and heartbeats

    def _register(self) -> None:
        node = self.node
        facts = {'uuid': self.config.uuid, 'hostname': node.hostname, 'pid': node.pid,
                 'slots': self.config.slots, 'cpus': node.cpus, 'memory_bytes': node.memory_bytes,
                 'slurm_job_id': node.slurm_job_id, 'walltime_end_at': node.walltime_end_at,
                 'load': os.getloadavg()[0], 'serves': self.work.serves()}
        reply = self.client.call('POST', '/workers',
                                 {key: value for key, value in facts.items() if value is not None},
                                 give_up_s=self.config.connect_timeout_s)
        self._heartbeat_s = reply['heartbeat_s']
        self.client.retry_within(self._heartbeat_s)
        self._last_contact = self._last_heartbeat = self._clock()

    def _heartbeat(self, now: float) -> None:
        body = {'load': os.getloadavg()[0], 'draining': bool(self.draining),
                **self.work.heartbeat_fields(sorted(self.executor.running()))}
        try:
            reply = self.client.call('POST', f'/workers/{self.config.uuid}/heartbeat', body)
        except Refused as refused:
            self._rejoin(refused)
            reply = {}
        self._last_contact = self._last_heartbeat = now
        self._said_draining = body['draining']
        self._stop([tuple(key) for key in reply.get('stop') or ()])

    def _stop(self, keys: list[delivery.Key]) -> None:
        """Kill tasks no longer ours (cancelled, restarted, reassigned) and drop their results."""
        ours = set(self.executor.running()) | set(self._outbox)
        keys = [key for key in keys if key in ours]
        if not keys:
            return
        log.info('the coordinator took back %d task(s): stopping %s', len(keys),
                 ', '.join(f'{number}.{attempt}' for number, attempt in keys))
        for key in keys:
            self._outbox.pop(key, None)
        self._stopped.update(key for key in keys if key in self.executor.running())
        self.executor.terminate([key for key in keys if key in self._stopped])

    def _rejoin(self, refused: Refused) -> None:
        """Declared lost (409) while away: register again (results of old attempts are refused)."""
        if refused.status != 409:
            raise refused
        log.warning('coordinator: %s; registering again', refused)
        self._register()

    # -- claims

    def _claim(self, now: float) -> bool:
        """Claim tasks for free slots, with the gathered results; False if no claim was due."""
        free = self.config.slots - len(self.executor)
        if free <= 0 or now < self._next_claim_at:
            return False
        expected = expected_duration_s(self.work.expected_duration_s(), self._durations)
        if not fits(now, self.node.walltime_end_at, expected, self.config.margin_s):
            log.info('the next task (~%.0f s) would not end before the walltime', expected)
            self._leaving.stop_claiming('walltime')
            return False
        keys, results = delivery.pending(self._outbox)
        body = {'worker_uuid': self.config.uuid, 'max_tasks': free, **self.work.claim_fields()}
        if results:
            body['results'] = results
        try:
            reply = self.client.call('POST', self.work.claim_path, body)
        except Refused as refused:
            self._refused(refused, keys, results)
            return True
        self._settle(keys, results, reply.get('receipt', {'refused': []}))
        self._last_contact = now
        for launch in self.work.launches(reply, self._place):
            self._start(launch)
        if self.client.retried:  # the answer to an earlier try may have been lost
            self._reconcile()  # after starting this answer's tasks, which are ours
        self._note_idleness(now, reply)
        return True

    def _note_idleness(self, now: float, reply: dict) -> None:
        if reply['tasks'] or len(self.executor):
            self._idle_since, self._next_claim_at = None, now
            return
        self._run_done = self.work.finished(reply)
        self._idle_since = self._idle_since or now
        self._next_claim_at = now + self.config.idle_poll_s

    def _reconcile(self) -> None:
        """Hand back tasks the coordinator says we hold but we never started."""
        held = self.client.call('GET', f'/workers/{self.config.uuid}/tasks')['tasks']
        ours = set(self.executor.running()) | set(self._outbox)
        for task in held:
            key = (self.work.held_key(task), task['attempt'])
            if key[0] is not None and key not in ours:
                self._outbox[key] = {self.work.key: key[0], 'attempt': key[1],
                                     'outcome': 'released'}

    def _start(self, launch: Launch) -> None:
        if launch.problem is not None:  # nothing to run: told at once
            log.warning('task %s: %s', launch.key, launch.problem)
            self._outbox[(launch.key, launch.attempt)] = {
                self.work.key: launch.key, 'attempt': launch.attempt, 'outcome': launch.outcome,
                'msg': launch.problem}
            return
        if launch.prepared is not None:
            self._jobs[(launch.key, launch.attempt)] = launch.prepared
        if launch.log_bytes:
            self._log_bytes[(launch.key, launch.attempt)] = launch.log_bytes
        self.executor.start(launch.key, launch.attempt, launch.argv, launch.environ,
                            launch.task_dir, launch.timeout_s, cwd=launch.cwd)

    # -- results

    def _collect(self) -> None:
        for done in self.executor.poll():
            key = (done.number, done.attempt)
            job = self._jobs.pop(key, None)
            log_bytes = self._log_bytes.pop(key, None)
            if key in self._stopped:  # not ours any more: whatever it did is not reported
                self._stopped.discard(key)
                continue
            hurried = bool(self._leaving.hurried)
            result = (delivery.result_of(done, hurried=hurried, key=self.work.key) if job is None
                      else seed_jobs.result_of(job, done, hurried=hurried, key=self.work.key))
            if log_bytes and long_logs.send(self.client, self.config.uuid, done, log_bytes):
                result['log_tail'] = None  # the coordinator keeps the longer log it was sent
            self._outbox[key] = result
            if result['outcome'] == 'complete':
                self._durations.add(done.duration_s)
        for (number, attempt), progress in self.executor.progress().items():
            # a final result wins over progress; a task taken back reports nothing
            if (number, attempt) not in self._outbox and (number, attempt) not in self._stopped:
                self._outbox[(number, attempt)] = {
                    self.work.key: number, 'attempt': attempt, 'outcome': 'running',
                    'percent': progress.percent, 'msg': progress.msg}

    def _deliver(self) -> None:
        """Report what was gathered; what the coordinator refuses is dropped (delivery.settle)."""
        if not self._outbox:
            return
        keys, results = delivery.pending(self._outbox)
        try:
            receipt = self.client.call('POST', self.work.results_path,
                                       {'worker_uuid': self.config.uuid, 'results': results},
                                       accept=(409,))
        except Refused as refused:
            return self._refused(refused, keys, results)
        if 'accepted' not in receipt and 'refused' not in receipt:  # 409 naming the worker
            return self._rejoin(Refused(409, receipt.get('msg', 'worker gone')))
        self._settle(keys, results, receipt)

    def _refused(self, refused: Refused, keys: list[delivery.Key], results: list[dict]) -> None:
        """A call that carried results was refused: declared lost, or raise it."""
        self._rejoin(refused)
        self._settle(keys, results, delivery.refused_as_lost(results, self.work.key),
                     resend=False)

    def _settle(self, keys: list[delivery.Key], results: list[dict], receipt: dict, *,
                resend: bool = True) -> None:
        """The coordinator answered for these results, which is contact too."""
        delivery.settle(self._outbox, keys, results, receipt, resend=resend, key=self.work.key)
        self._last_contact = self._clock()
