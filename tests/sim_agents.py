"""Simulated farmworker agents by the thousand: the agent's protocol on asyncio, tasks that only
take time. Used by tests/benchmarks/bench_many_agents.py and tests/e2e/test_many_agents.py.

Each simulated agent follows `farmworker.agent.Agent` step for step, with the same
bodies (built by farmworker's own `RunWork`/`ServeWork` and `delivery`): register,
claim for free slots with the finished tasks' results riding along, heartbeat every
`heartbeat_s` the coordinator names (a quarter of its worker TTL), report alone when no
claim is due, re-register when declared lost (409), reconcile after a retried claim, and
say goodbye. Its tasks run for a random time and end with exit code 0; nothing is spawned.
Where the real agent steps every `poll_s`, a simulated one sleeps until its next event,
rounded up to a whole `poll_s`, so tasks that end in one step are reported together.
"""

import asyncio
import dataclasses
import math
import os
import random
import time
import uuid as uuids
from pathlib import Path

from farmworker import delivery
from farmworker.backoff import Backoff
from farmworker.client import AGENT, Refused
from farmworker.config import Node
from farmworker.executors import Finished
from farmworker.work import Place, RunWork, ServeWork
from tests.sim_http import Connection, HttpError, Timings

PREFIX = '/farm/v1'
# The real agent tries for ever; a simulation gives up on a coordinator gone this long, so that
# a crashed coordinator ends the run instead of hanging it.
GIVE_UP_S = 120.0


@dataclasses.dataclass
class Plan:
    """What one client process simulates: agents `first` .. `first + count - 1` of `total`."""

    urls: list[str]  # coordinators: agents are spread over them in turn
    token: str
    run: str | None  # every other agent works this run (`farmworker run`); the rest serve
    first: int
    count: int
    total: int
    slots: int = 4
    ramp_s: float = 60.0  # agent i starts i/total of the way through it
    task_s: tuple[float, float] = (5.0, 60.0)
    claim_for_s: float | None = None  # from the start: then agents stop claiming and leave
    poll_s: float = 0.05
    idle_poll_s: float = 2.0
    max_idle_s: float = 120.0
    seed: int = 0


@dataclasses.dataclass
class Ledger:
    """What one process's agents saw: every claim, every completion the coordinator accepted."""

    claims: list[tuple[str, int, int]] = dataclasses.field(default_factory=list)
    completed: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    rejoins: int = 0  # registrations again after a 409: the agent had been declared lost
    left: int = 0  # goodbyes the coordinator heard
    taken_back: int = 0  # tasks a heartbeat's reply told the agent to stop
    problems: list[str] = dataclasses.field(default_factory=list)


class SimAgent:
    """One agent: the loop of `farmworker.agent.Agent`, with simulated tasks."""

    def __init__(self, index: int, plan: Plan, timings: Timings, ledger: Ledger):
        self.index, self.plan, self.timings, self.ledger = index, plan, timings, ledger
        self.uuid = f'sim-{index:05d}-{uuids.uuid4().hex[:8]}'
        runs_a_run = plan.run is not None and index % 2 == 0
        self.work = RunWork(plan.run, None) if runs_a_run else ServeWork(None)
        self.kind = 'run' if runs_a_run else 'serve'
        self.conn = Connection(plan.urls[(index // 2) % len(plan.urls)], plan.token)
        self.node = Node(hostname=f'simnode-{index:05d}', cpus=plan.slots)
        self.place = Place({}, plan.slots, '/nonexistent/sim-logs', self.node)
        self.rng = random.Random(plan.seed * 1_000_003 + index)
        self.backoff = Backoff()
        self.running: dict[delivery.Key, float] = {}  # (key, attempt) -> when it ends
        self.identity: dict[delivery.Key, tuple[str, int]] = {}  # -> (run uuid or '', n or id)
        self.outbox: delivery.Outbox = {}
        self.heartbeat_s = 15.0
        self.last_contact = self.last_heartbeat = self.next_claim_at = 0.0
        self.idle_since: float | None = None
        self.run_done = self.said_draining = self.retried = False

    # -- the loop

    async def live(self, start_at: float, stop_claiming_at: float | None) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        try:
            if isinstance(self.work, RunWork):  # RunWork.prepare, over this connection
                policy = await self.call('run status', 'GET', f'/runs/{self.plan.run}')
                self.work.policy, self.work.command = policy, list(policy['command'])
            await self.register()
            while True:
                now = time.monotonic()
                draining = stop_claiming_at is not None and now >= stop_claiming_at
                self.collect(now)
                await self.exchange(now, draining)
                if self.finished(draining):
                    break
                await asyncio.sleep(self.next_step_in(time.monotonic(), draining))
            reason = 'drained' if draining else 'run finished' if self.run_done else 'idle'
            await self.call('stop', 'POST', f'/workers/{self.uuid}/stop', {'reason': reason})
            self.ledger.left += 1
        except Exception as exc:  # one agent's end, told, never the process's
            self.ledger.problems.append(f'agent {self.uuid}: {type(exc).__name__}: {exc}'[:300])
        finally:
            self.conn.close()

    async def exchange(self, now: float, draining: bool) -> None:
        """Agent._exchange: claim (with results) or deliver, then heartbeat when due."""
        if draining or not await self.claim(now):
            await self.deliver()
        if (now - self.last_contact >= self.heartbeat_s
                or (self.running and now - self.last_heartbeat >= self.heartbeat_s)
                or (draining and not self.said_draining)):
            await self.heartbeat(now, draining)

    def finished(self, draining: bool) -> bool:
        if self.running or self.outbox:
            return False
        if draining or self.run_done:
            return True
        return (self.idle_since is not None
                and time.monotonic() - self.idle_since >= self.plan.max_idle_s)

    def next_step_in(self, now: float, draining: bool) -> float:
        """Seconds to the next step that has something to do, in whole `poll_s`."""
        events = [self.last_contact + self.heartbeat_s]
        if self.running:
            events += [min(self.running.values()), self.last_heartbeat + self.heartbeat_s]
        if not draining and len(self.running) < self.plan.slots:
            events.append(self.next_claim_at)
        if self.idle_since is not None:
            events.append(self.idle_since + self.plan.max_idle_s)
        poll_s = self.plan.poll_s
        return max(1, math.ceil((min(events) - now) / poll_s)) * poll_s

    # -- calls

    async def call(self, kind: str, method: str, path: str, body: dict | None = None,
                   accept: tuple[int, ...] = ()) -> dict:
        """Client.call with the AGENT retry: connection failures, 408 and 5xx are tried again
        after a backoff capped at the heartbeat interval; another error status is Refused."""
        self.retried, started = False, time.monotonic()
        while True:
            if self.retried and time.monotonic() - started > GIVE_UP_S:
                raise RuntimeError(f'{kind}: no answer for {GIVE_UP_S:g} s')
            try:
                status, data = await self.timings.call(self.conn, kind, method, PREFIX + path,
                                                       body)
            except HttpError:
                self.retried = True
                await asyncio.sleep(self.backoff.next_delay())
                continue
            if 200 <= status < 300 or status in accept:
                self.backoff.reset()
                return data
            msg = str(data.get('msg') or data)
            if status not in AGENT.statuses:
                raise Refused(status, msg, data)
            self.timings.note(f'{kind}: HTTP {status} {msg[:100]}')
            self.retried = True
            await asyncio.sleep(self.backoff.next_delay())

    async def register(self) -> None:
        node = self.node
        facts = {'uuid': self.uuid, 'hostname': node.hostname, 'pid': node.pid,
                 'slots': self.plan.slots, 'cpus': node.cpus, 'load': os.getloadavg()[0],
                 'serves': self.work.serves()}
        reply = await self.call('register', 'POST', '/workers', facts)
        self.heartbeat_s = reply['heartbeat_s']
        self.backoff.cap_s = max(self.backoff.base_s, min(self.backoff.cap_s, self.heartbeat_s))
        self.last_contact = self.last_heartbeat = time.monotonic()

    async def heartbeat(self, now: float, draining: bool) -> None:
        body = {'load': os.getloadavg()[0], 'draining': draining,
                **self.work.heartbeat_fields(sorted(self.running))}
        try:
            reply = await self.call('heartbeat', 'POST', f'/workers/{self.uuid}/heartbeat', body)
        except Refused as refused:
            await self.rejoin(refused)
            reply = {}
        self.last_contact = self.last_heartbeat = now
        self.said_draining = draining
        for key in map(tuple, reply.get('stop') or ()):
            if key in self.running or key in self.outbox:
                self.running.pop(key, None)
                self.outbox.pop(key, None)
                self.ledger.taken_back += 1

    async def rejoin(self, refused: Refused) -> None:
        if refused.status != 409:
            raise refused
        self.ledger.rejoins += 1
        await self.register()

    # -- claims and results

    async def claim(self, now: float) -> bool:
        free = self.plan.slots - len(self.running)
        if free <= 0 or now < self.next_claim_at:
            return False
        keys, results = delivery.pending(self.outbox)
        body = {'worker_uuid': self.uuid, 'max_tasks': free, **self.work.claim_fields()}
        if results:
            body['results'] = results
        try:
            reply = await self.call(f'claim ({self.kind})', 'POST', self.work.claim_path, body)
        except Refused as refused:
            await self.refused(refused, keys, results)
            return True
        self.settle(keys, results, reply.get('receipt', {'refused': []}))
        self.last_contact = now
        for task, launch in zip(reply['tasks'], self.work.launches(reply, self.place)):
            self.start(task, launch)
        if self.retried:  # the answer to an earlier try may have been lost
            await self.reconcile()
        if reply['tasks'] or self.running:
            self.idle_since, self.next_claim_at = None, now
        else:
            self.run_done = self.work.finished(reply)
            self.idle_since = self.idle_since or now
            self.next_claim_at = now + self.plan.idle_poll_s
        return True

    def start(self, task: dict, launch) -> None:
        key = (launch.key, launch.attempt)
        run = self.plan.run if isinstance(self.work, RunWork) else task['run']
        self.identity[key] = (run, task['number']) if run else ('', task['id'])
        self.ledger.claims.append((*self.identity[key], launch.attempt))
        if launch.problem is not None:
            self.ledger.problems.append(f'task {key}: {launch.problem}')
            return
        self.running[key] = time.monotonic() + self.rng.uniform(*self.plan.task_s)

    def collect(self, now: float) -> None:
        for key in [key for key, ends_at in self.running.items() if ends_at <= now]:
            del self.running[key]
            done = Finished(key[0], key[1], 0, False, False, 0.0, Path(os.devnull), '')
            self.outbox[key] = delivery.result_of(done, hurried=False, key=self.work.key)

    async def deliver(self) -> None:
        if not self.outbox:
            return
        keys, results = delivery.pending(self.outbox)
        try:
            receipt = await self.call('results', 'POST', self.work.results_path,
                                      {'worker_uuid': self.uuid, 'results': results},
                                      accept=(409,))
        except Refused as refused:
            return await self.refused(refused, keys, results)
        if 'accepted' not in receipt and 'refused' not in receipt:  # 409 naming the worker
            return await self.rejoin(Refused(409, receipt.get('msg', 'worker gone')))
        self.settle(keys, results, receipt)

    async def refused(self, refused: Refused, keys: list, results: list[dict]) -> None:
        await self.rejoin(refused)
        self.settle(keys, results, delivery.refused_as_lost(results, self.work.key),
                    resend=False)

    def settle(self, keys: list, results: list[dict], receipt: dict, *, resend=True) -> None:
        refused = {(r[self.work.key], r['attempt']) for r in receipt['refused']}
        for key, result in zip(keys, results):
            if key not in refused and result['outcome'] == 'complete':
                self.ledger.completed.append(self.identity[key])
        delivery.settle(self.outbox, keys, results, receipt, resend=resend, key=self.work.key)
        self.last_contact = time.monotonic()

    async def reconcile(self) -> None:
        """Hand back tasks the coordinator says this agent holds but it never started."""
        held = (await self.call('reconcile', 'GET', f'/workers/{self.uuid}/tasks'))['tasks']
        for task in held:
            key = (self.work.held_key(task), task['attempt'])
            if key[0] is not None and key not in self.running and key not in self.outbox:
                self.outbox[key] = {self.work.key: key[0], 'attempt': key[1],
                                    'outcome': 'released'}


# ---------------------------------------------------------------- a process of agents

async def _loop_lag(samples: list[float], period_s: float = 0.1) -> None:
    """How late this process's event loop wakes: latency the agents measure but did not wait
    for the coordinator."""
    while True:
        started = time.perf_counter()
        await asyncio.sleep(period_s)
        samples.append(1000 * (time.perf_counter() - started - period_s))


async def simulate(plan: Plan, start_epoch: float) -> dict:
    """Run the plan's agents from `start_epoch` (time.time()) until each has left."""
    start = time.monotonic() + (start_epoch - time.time())
    stop_claiming_at = None if plan.claim_for_s is None else start + plan.claim_for_s
    timings, ledger, lag = Timings(), Ledger(), []
    agents = [SimAgent(i, plan, timings, ledger)
              for i in range(plan.first, plan.first + plan.count)]
    watcher = asyncio.create_task(_loop_lag(lag))
    cpu0 = time.process_time()
    await asyncio.gather(*(agent.live(start + plan.ramp_s * agent.index / plan.total,
                                      stop_claiming_at) for agent in agents))
    watcher.cancel()
    return {**timings.as_dict(), **dataclasses.asdict(ledger), 'agents': plan.count,
            'cpu_s': time.process_time() - cpu0, 'loop_lag_ms': lag}


def agent_process(plan: Plan, start_epoch, ready, go, results) -> None:
    """A client process (multiprocessing, spawn): say ready, wait for `go`, simulate, report.

    `start_epoch` is a shared double the parent sets before `go`."""
    try:
        ready.put(None)
        if not go.wait(300):
            raise RuntimeError('no start signal')
        results.put(asyncio.run(simulate(plan, start_epoch.value)))
    except Exception as exc:  # the parent must hear, never wait for ever
        results.put({'crashed': f'{type(exc).__name__}: {exc}'[:500]})


def crowd(plans: list[Plan], timeout_s: float, started=lambda: None) -> list[dict]:
    """Run each plan in a client process of its own; their reports once every agent has left.

    `started()` is called the moment the agents' clock starts (to read CPU counters)."""
    import multiprocessing

    ctx = multiprocessing.get_context('spawn')  # clean interpreters: nothing inherited
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    start_epoch = ctx.Value('d', 0.0)
    procs = [ctx.Process(target=agent_process, args=(plan, start_epoch, ready, go, results))
             for plan in plans]
    try:
        for proc in procs:
            proc.start()
        for _ in procs:
            ready.get(timeout=120)
        start_epoch.value = time.time() + 0.5  # every process is waiting on `go` by then
        go.set()
        started()
        return [results.get(timeout=timeout_s) for _ in procs]
    finally:
        for proc in procs:
            proc.join(10)
            if proc.is_alive():
                proc.terminate()  # only our own client processes, by object
                proc.join(5)


def plans(count: int, processes: int, **fields) -> list[Plan]:
    """`count` agents split over `processes` client processes."""
    shares = [count // processes + (i < count % processes) for i in range(processes)]
    return [Plan(first=sum(shares[:i]), count=share, total=count, **fields)
            for i, share in enumerate(shares) if share]
