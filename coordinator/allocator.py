"""The allocator: keeps agents on Slurm in proportion to the waiting work of each allocation queue.

Every FARM_ALLOC_INTERVAL_S each coordinator process runs a pass (a maintenance duty), but
only the process that holds the `allocator` duty lease acts (store.leases): it renews the
lease before every queue and every sbatch, so another process takes over only after the
holder has been silent for a whole lease, never while it acts. Per queue a pass:

1. refreshes its jobs' states from squeue (and sacct, where accounting exists; without it a
   job squeue no longer shows has ended);
2. compares the eligible work that waits (store.allocation_need) with the slots of its live
   agents (workers registered from its jobs) plus those of its jobs still starting;
3. submits ceil(shortfall / job size) jobs, never past max_jobs queued and running, or
   cancels pending jobs the work no longer needs;
4. records the decision and its reason on the queue. A failing sbatch backs off: twice as
   long after each failure in a row (from BACKOFF_BASE_S, at most BACKOFF_MAX_S).

A job's agents are `farmworker serve` agents with a worker token of the queue's owner that
expires with the job (walltime + TOKEN_MARGIN_S), passed through the job's environment,
and `--max-idle` the queue's idle timeout, so they leave when the work is done. Their
worker rows carry the job's Slurm id, which links them to the queue.
"""

import dataclasses
import logging
import math
import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from coordinator import slurm_jobs
from coordinator.models import AllocationQueue, User
from coordinator.slurm_jobs import SlurmError
from coordinator.states import AllocationJobState
from coordinator.store import allocation_jobs, allocation_need, allocations, leases, users
from coordinator.store.access import Scope
from farmworker.batch_script import SubmitOptions, farmworker_executable

log = logging.getLogger(__name__)

LEASE = 'allocator'
BACKOFF_BASE_S = 10.0
BACKOFF_MAX_S = 600.0
# A job's token lasts its walltime plus this: time to pend before it starts. A job pending
# longer is cancelled (its agents would find their token expired) and others submitted.
TOKEN_MARGIN_S = 86_400.0
SUBMITTED_GRACE_S = 60.0  # squeue may not list a job at once after sbatch answers


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where the allocator finds Slurm and what it tells the agents."""

    public_url: str  # how agents on compute nodes reach the coordinator
    log_dir: Path  # jobs' Slurm output and agents' task logs, under LOG_DIR/<project>-<queue>
    slurm_bin_dir: str | None = None  # sbatch, squeue, sacct, scancel: here, else on PATH
    interval_s: float = 5.0

    @property
    def lease_s(self) -> float:
        return max(60.0, 3 * self.interval_s)


def from_config(config) -> 'Allocator':
    """The allocator a coordinator process runs, as its Config says."""
    log_dir = Path(config.alloc_log_dir or Path.home() / 'farm-logs' / 'allocations')
    return Allocator(Settings(public_url=config.public_url or public_url(config.bind,
                                                                         config.certfile),
                              log_dir=log_dir.expanduser(),
                              slurm_bin_dir=config.slurm_bin_dir or None,
                              interval_s=config.alloc_interval_s))


def canceller(config) -> Callable[[list[str]], str | None]:
    """scancel as the REST API calls it when a queue is removed: the reason it failed, or None."""
    env = slurm_jobs.environment(os.environ, config.slurm_bin_dir or None)

    def cancel(job_ids: list[str]) -> str | None:
        try:
            slurm_jobs.scancel(job_ids, env, subprocess.run)
        except SlurmError as exc:
            return str(exc)
        return None
    return cancel


def public_url(bind: str, certfile: str = '') -> str:
    """The URL agents use when FARM_PUBLIC_URL is not set: the bind address, with this host's
    name for an address that means every interface."""
    host, _, port = bind.rpartition(':')
    if host in ('', '0.0.0.0', '::', '[::]'):
        host = socket.getfqdn()
    return f'{"https" if certfile else "http"}://{host}:{port}'


def slurm_time(seconds: int) -> str:
    """A walltime as sbatch --time takes it: [D-]HH:MM:SS."""
    days, rest = divmod(int(seconds), 86_400)
    text = f'{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}'
    return f'{days}-{text}' if days else text


class Allocator:
    """One coordinator process's allocator; `pass_once` is its duty."""

    def __init__(self, settings: Settings, *, run: Callable = subprocess.run,
                 clock: Callable[[], float] = time.time,
                 environ: Mapping[str, str] | None = None, holder: str | None = None):
        self.settings = settings
        self._run = run
        self._clock = clock
        # the coordinator's own FARM_* settings (a database URL with its password) are not
        # the job's business: sbatch --export=ALL would hand them to it
        environ = os.environ if environ is None else environ
        self._env = slurm_jobs.environment(
            {key: value for key, value in environ.items() if not key.startswith('FARM_')},
            settings.slurm_bin_dir)
        self.holder = holder or f'{socket.gethostname()}:{os.getpid()}:{id(self):x}'

    def pass_once(self) -> None:
        """One pass over every queue, if this process holds (or takes) the lease."""
        queues = list(AllocationQueue.select().order_by(AllocationQueue.id))
        if not queues or not self._hold():
            return
        for queue in queues:
            if not self._hold():  # taken over while this pass was slow: stop acting at once
                return
            try:
                self._serve(queue)
            except SlurmError as exc:  # a reason for this queue, not the end of the pass
                allocation_jobs.record_decision(queue.id, str(exc), self._clock())

    def stop(self) -> None:
        """Hand the lease over at once (a coordinator shutting down)."""
        leases.release(LEASE, self.holder)

    def _hold(self) -> bool:
        return leases.hold(LEASE, self.holder, self.settings.lease_s, self._clock())

    def _serve(self, queue: AllocationQueue) -> None:
        jobs, refresh_note = self._refresh(queue)
        if queue.is_paused:
            return
        now = self._clock()
        jobs = self._cancel_stale(jobs, now)
        need = allocation_need.need_of(queue.id, now)
        size = queue.nodes * self._slots_per_node(queue)
        agents = allocation_jobs.agents_of(queue.project_id, [job.slurm_job_id for job in jobs])
        live = sum(agents[job.slurm_job_id].alive_slots for job in jobs
                   if job.slurm_job_id in agents)
        starting = [job for job in jobs if job.slurm_job_id not in agents]
        situation = _situation(need, live, len(starting), len(starting) * size) + refresh_note
        shortfall = need.eligible - live - len(starting) * size
        if shortfall > 0:
            decision = self._grow(queue, math.ceil(shortfall / size), len(jobs), now)
        else:
            decision = self._shrink(queue, starting, -shortfall, size)
        if decision is not None:
            allocation_jobs.record_decision(queue.id, f'{situation}: {decision}', self._clock())

    def _slots_per_node(self, queue: AllocationQueue) -> int:
        """Slots an agent of the queue gets: as set, else as many as its agents registered
        with so far (the CPUs Slurm gives a node), else 1 until one has."""
        return queue.slots or allocation_jobs.largest_agent_slots(queue.id,
                                                                  queue.project_id) or 1

    def _refresh(self, queue: AllocationQueue) -> tuple[list, str]:
        """Bring the queue's active jobs up to date with Slurm; them, and a note if it failed."""
        jobs = allocation_jobs.active_jobs(queue.id)
        if not jobs:
            return jobs, ''
        try:
            seen = slurm_jobs.squeue([job.slurm_job_id for job in jobs], self._env, self._run)
        except SlurmError as exc:
            return jobs, f' ({exc}; job states as last seen)'
        now = self._clock()
        # a job squeue showed before has left its queue; one it never showed may not be
        # listed yet, for a while after sbatch answered
        gone = [job for job in jobs if job.slurm_job_id not in seen and (
            job.state != AllocationJobState.SUBMITTED.value
            or now - job.submitted_at >= SUBMITTED_GRACE_S)]
        ended = slurm_jobs.sacct([job.slurm_job_id for job in gone], self._env, self._run) \
            if gone else {}
        for job in jobs:
            state, reason = seen.get(job.slurm_job_id) or (ended or {}).get(
                job.slurm_job_id) or (None, None)
            if state is None:
                if job in gone:  # no accounting: leaving the queue is all there is to know
                    allocation_jobs.move_job(job.id, job.state, AllocationJobState.ENDED, now,
                                             'left the queue')
                continue
            tracked = slurm_jobs.tracked_state(state)
            if tracked is not None and tracked.value != job.state:
                said = f'{state} ({reason})' if reason not in ('', 'None') else state
                allocation_jobs.move_job(job.id, job.state, tracked, now, said)
        return allocation_jobs.active_jobs(queue.id), ''

    def _grow(self, queue: AllocationQueue, wanted: int, active: int,
              now: float) -> str | None:
        room = queue.max_jobs - active
        if room <= 0:
            return f'at max_jobs ({active} of {queue.max_jobs}): no more jobs'
        if queue.backoff_until is not None and queue.backoff_until > now:
            return None  # the decision that backed off stays, with sbatch's reason
        count = min(wanted, room)
        submitted = []
        for _ in range(count):
            if not self._hold():
                break
            try:
                submitted.append(self._submit(queue))
            except SlurmError as exc:
                delay = allocation_jobs.back_off(queue.id, self._clock(), BACKOFF_BASE_S,
                                                 BACKOFF_MAX_S)
                done = f'submitted job(s) {", ".join(submitted)}; then ' if submitted else ''
                return f'{done}sbatch failed: {exc}; next try in {delay:.0f} s'
        allocation_jobs.clear_backoff(queue.id)
        capped = f' (max_jobs {queue.max_jobs} allows {room})' if wanted > room else ''
        return f'submitted {len(submitted)} job(s): {", ".join(submitted)}{capped}'

    def _submit(self, queue: AllocationQueue) -> str:
        owner = User.get_or_none(User.id == queue.created_by_id)
        if owner is None:
            raise SlurmError('its owner was deleted: no token to start agents with')
        view = allocations.view_of(queue)
        log_dir = self.settings.log_dir / f'{queue.project_id}-{queue.name}'
        log_dir.mkdir(parents=True, exist_ok=True)  # sbatch does not create --output's directory
        options = SubmitOptions(
            run='', command=(), time=slurm_time(queue.walltime_s), log_dir=str(log_dir),
            nodes=queue.nodes, slots=queue.slots, max_idle_s=queue.idle_timeout_s,
            url=self.settings.public_url, farmworker=farmworker_executable(),
            job_name=f'farm-{queue.name}', partition=queue.partition, account=queue.account,
            sbatch_args=[*((f'--qos={queue.qos}',) if queue.qos else ()),
                         *view.spec.sbatch_args],
            serve=True, job_types=allocations.served_job_types(view.spec))
        token = users.create_token(owner.name, Scope.WORKER, ttl_s=_token_ttl_s(queue.walltime_s))
        job_id = slurm_jobs.sbatch(options, self._env, token, self._run)
        allocation_jobs.record_submitted(queue.id, job_id, self._clock())
        log.info('allocation queue %s: submitted Slurm job %s', queue.name, job_id)
        return job_id

    def _cancel_stale(self, jobs: list, now: float) -> list:
        """Cancel jobs pending for longer than their token allows; the others."""
        stale = [job for job in jobs if job.state == AllocationJobState.PENDING.value
                 and now - job.submitted_at > TOKEN_MARGIN_S]
        if not stale:
            return jobs
        slurm_jobs.scancel([job.slurm_job_id for job in stale], self._env, self._run)
        for job in stale:
            allocation_jobs.move_job(job.id, job.state, AllocationJobState.ENDED, now,
                                     f'cancelled: pending for over {TOKEN_MARGIN_S:.0f} s, '
                                     'longer than its token lasts')
        return [job for job in jobs if job not in stale]

    def _shrink(self, queue: AllocationQueue, starting: list, surplus: int, size: int) -> str:
        """Cancel pending jobs whose slots the waiting work does not need, newest first."""
        pending = [job for job in reversed(starting)
                   if job.state == AllocationJobState.PENDING.value]
        cancel = pending[:surplus // size]
        if not cancel:
            return 'nothing to do'
        ids = [job.slurm_job_id for job in cancel]
        slurm_jobs.scancel(ids, self._env, self._run)
        for job in cancel:
            allocation_jobs.move_job(job.id, job.state, AllocationJobState.ENDED, self._clock(),
                                     'cancelled: no longer needed')
        return f'cancelled pending job(s) {", ".join(ids)}: no longer needed'


def _token_ttl_s(walltime_s: int) -> float:
    """A job's token lasts its walltime and the time it may pend (TOKEN_MARGIN_S)."""
    return walltime_s + TOKEN_MARGIN_S


def _situation(need: allocation_need.Need, live_slots: int, starting: int,
               starting_slots: int) -> str:
    """What a decision weighed, e.g. '3 tasks wait; 1 job starting covers 4 slots'."""
    held = ''.join(f', {count} held ({reason})' for reason, count in sorted(need.held.items()))
    parts = [f'{need.eligible} task(s) wait{held}']
    if live_slots:
        parts.append(f'live agents have {live_slots} slot(s)')
    if starting:
        parts.append(f'{starting} job(s) starting cover {starting_slots} slot(s)')
    return '; '.join(parts)
