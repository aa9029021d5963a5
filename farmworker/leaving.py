"""How an agent leaves: draining with a grace time, stopping its tasks, saying goodbye in time.

However the agent leaves (done, drained, refused, or an error) its tasks are
stopped and the coordinator is told, each in bounded time: a task left running
in its own session would go on unsupervised, and a coordinator that is away
must not keep a draining agent (and its Slurm job) waiting.
"""

import logging

from farmworker.client import Client, Refused, Unreachable
from farmworker.config import AgentConfig
from farmworker.executors import SubprocessExecutor

log = logging.getLogger(__name__)
REASON_MAX_CHARS = 255  # the coordinator's limit on why a worker left
# While draining no call to the coordinator holds the loop longer than this: the loop has
# tasks to watch and a grace time to keep, whether the coordinator answers or not.
DRAIN_CALL_S = 1.0
# After SIGKILL, how long the kernel may take to end a task's processes before we give up on it.
REAP_S = 2.0


def reason_for(exc: BaseException) -> str:
    """Why an agent leaves because of `exc`, in one line."""
    if isinstance(exc, Refused):
        return f'the coordinator refused: {exc}'
    return f'{type(exc).__name__}: {exc}' if str(exc) else type(exc).__name__


class Leaving:
    """An agent's way out: drains, their timers, and the goodbye, whatever the reason.

    An agent drains when asked to (`drain`: a signal) or when no task would fit before the
    walltime (`stop_claiming`): then the tasks it runs do fit, and may run to their end.
    `time_left_s` is what the agent bounds its client's waits with (`Client.limit_waits`).
    """

    def __init__(self, config: AgentConfig, client: Client, executor: SubprocessExecutor, *,
                 clock, sleep):
        self._config, self._client, self._executor = config, client, executor
        self._clock, self._sleep = clock, sleep
        self.draining: str | None = None  # why the agent claims no more tasks, once so
        self.hurried: str | None = None  # why its tasks get only `grace_s`: the drain asked for
        self._grace_from: float | None = None
        self._handed_back = self._said_away = False
        self._calls_until: float | None = None  # see time_left_s
        self._farewell_until: float | None = None  # when to stop trying the coordinator

    def drain(self, why: str) -> None:
        """Stop claiming; running tasks get `grace_s`, then are handed back. Signal-safe."""
        if self.hurried is None:
            self.hurried = why
        if self.draining is None:
            self.draining = why

    def stop_claiming(self, why: str) -> None:
        """Drain, but let the running tasks end in their own time (unless `drain` comes too)."""
        if self.draining is None:
            self.draining = why
            log.info('draining (%s): no new claims; %d task(s) may run to their end', why,
                     len(self._executor))

    def step(self, now: float) -> None:
        """A draining agent's timers: its tasks' grace time, its farewell, its calls' bound."""
        executor, config = self._executor, self._config
        if self.hurried is not None and self._grace_from is None:
            self._grace_from = now
            log.info('draining (%s): no new claims; %d task(s) get %g s to finish',
                     self.hurried, len(executor), config.grace_s)
        elif (len(executor) and not self._handed_back and self._grace_from is not None
              and now - self._grace_from >= config.grace_s):
            log.info('grace time over: handing back %d task(s)', len(executor))
            executor.terminate_all()
            self._handed_back = True
        # a drain asked for is the job about to end: an absent coordinator gets only a farewell
        if self.hurried is not None and not len(executor) and self._farewell_until is None:
            self._farewell_until = now + config.farewell_s
        self._calls_until = now + DRAIN_CALL_S
        if self._farewell_until is not None:
            self._calls_until = min(self._calls_until, self._farewell_until)

    def time_left_s(self) -> float | None:
        """How long a call to the coordinator may still hold the agent; None: through any outage.

        Draining or leaving bounds it. A drain just asked for (by a signal, during a call)
        ends the call's wait at once, so that the loop starts draining.
        """
        if self._calls_until is None:
            return 0.0 if self.draining else None
        return self._calls_until - self._clock()

    def farewell_over(self) -> bool:
        """A draining agent waits for an absent coordinator only so long: is that over?"""
        return (self.draining is not None and self._farewell_until is not None
                and self._clock() >= self._farewell_until)

    def carry_on_without(self, away: Unreachable) -> None:
        """Raise `away` unless draining: then what the coordinator was not told waits."""
        if not self.draining:
            raise away
        if not self._said_away:  # it waits for the next step, until the farewell
            log.warning('draining without the coordinator for now: %s', away)
            self._said_away = True

    def leave(self, reason: str, unsent: int) -> int:
        """Say goodbye: 0 if the coordinator heard it all, else 1, after saying what it missed.

        `unsent`: how many results the coordinator never answered for.
        """
        told = self._say_goodbye(reason)
        if told and not unsent:
            log.info('leaving: %s', reason)
            return 0
        unheard = [f'{unsent} result(s)'] if unsent else []
        if not told:
            unheard.append('its goodbye')
        log.error('left without the coordinator (%s): it did not get %s', reason,
                  ' and '.join(unheard))
        return 1

    def abandon(self, exc: BaseException) -> None:
        """Leave because of `exc`: stop the tasks, then say why (which hands them back)."""
        try:
            self._stop_tasks()
        except Exception as failure:  # the caller raises `exc`: that is the news, not this
            log.error('could not stop the tasks: %s', reason_for(failure))
        self._say_goodbye(reason_for(exc))

    def _stop_tasks(self) -> None:
        """SIGTERM every task, SIGKILL after the executor's grace; return once they are gone."""
        executor = self._executor
        if not len(executor):
            return
        log.warning('stopping %d task(s)', len(executor))
        executor.terminate_all()
        give_up_at = self._clock() + executor.kill_grace_s + REAP_S
        while len(executor) and self._clock() < give_up_at:
            executor.poll()  # which sends SIGKILL when the grace is over
            self._sleep(self._config.poll_s)
        if len(executor):
            log.error('%d task(s) did not end even when killed', len(executor))

    def _say_goodbye(self, reason: str) -> bool:
        """Tell the coordinator we left and why (it hands back what we hold); True if it heard."""
        if self._farewell_until is None:
            self._farewell_until = self._clock() + self._config.farewell_s
        self._calls_until = self._farewell_until
        try:
            self._client.call('POST', f'/workers/{self._config.uuid}/stop',
                              {'reason': reason[:REASON_MAX_CHARS]})
        except (Refused, Unreachable) as exc:
            log.warning('could not tell the coordinator that this agent left: %s', exc)
            return False
        return True
