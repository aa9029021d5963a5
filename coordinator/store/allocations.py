"""Allocation queues: added, read, listed, changed (paused, resumed, limits), removed, with audit.

A queue says where and how the allocator (coordinator.allocator) may start agents on
Slurm for its project's waiting work. Every change is one write transaction with its
audit entry. The allocator's own writes (jobs, decisions, backoff) are in
coordinator.store.allocation_jobs.
"""

import dataclasses
import json
import re
import time

from coordinator.db import database, run_sql
from coordinator.errors import Conflict, InvalidInput, NotFound
from coordinator.models import AllocationJob, AllocationQueue, JobType, Run
from coordinator.states import ALLOCATION_JOB_ACTIVE, AllocationJobState
from coordinator.store import audit
from coordinator.store.access import Principal, require_manager, require_unbound
from coordinator.store.id_lists import marks

OBJECT_TYPE = 'allocation'  # of the audit entries
# ASCII classes only, so that the OpenAPI document's patterns (ECMA regexes) say the same
NAME_PATTERN = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}'  # it goes into #SBATCH --job-name
WORD_PATTERN = '[!-~]{1,64}'  # partition, account, QOS: visible ASCII, on #SBATCH lines
NAME, SLURM_WORD = re.compile(NAME_PATTERN), re.compile(WORD_PATTERN)
MIN_WALLTIME_S = 90  # the agents drain a third of it (at most 2 min) before the end
MAX_WALLTIME_S = 365 * 86_400
MAX_JOBS = 1000
MAX_NODES = 10_000
MAX_SLOTS = 10_000
# the range of each number a queue holds: the API checks them, its document states them
RANGES = {'walltime_s': (MIN_WALLTIME_S, MAX_WALLTIME_S), 'max_jobs': (1, MAX_JOBS),
          'nodes': (1, MAX_NODES), 'slots': (1, MAX_SLOTS), 'idle_timeout_s': (0, MAX_WALLTIME_S)}
MAX_SERVED = 100  # job types or runs a queue names
MAX_SBATCH_ARGS = 64
LIMITS = ('walltime_s', 'max_jobs', 'nodes', 'slots', 'idle_timeout_s')  # what a change may set


@dataclasses.dataclass(frozen=True, slots=True)
class QueueSpec:
    """What a person sets on a queue; `job_types` / `runs` None: not narrowed by them."""

    name: str
    walltime_s: int
    max_jobs: int
    nodes: int = 1
    slots: int | None = None
    idle_timeout_s: float = 300.0
    partition: str | None = None
    account: str | None = None
    qos: str | None = None
    sbatch_args: tuple[str, ...] = ()
    job_types: tuple[str, ...] | None = None
    runs: tuple[str, ...] | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class QueueView:
    """A queue as stored, with its jobs pending and running and its agents alive now."""

    id: int
    project_id: int
    spec: QueueSpec
    is_paused: bool
    backoff_until: float | None
    last_decision: str | None
    last_decision_at: float | None
    created_by: str | None
    created_at: float
    jobs_pending: int = 0
    jobs_running: int = 0
    agents: int = 0


@dataclasses.dataclass(frozen=True, slots=True)
class JobView:
    """A Slurm job the allocator submitted for a queue."""

    slurm_job_id: str
    state: str
    reason: str | None
    submitted_at: float
    started_at: float | None
    ended_at: float | None


def check_spec(spec: QueueSpec) -> None:
    """InvalidInput for a queue Slurm or the agents would trip on."""
    if not NAME.fullmatch(spec.name):
        raise InvalidInput(f'allocation queue name {spec.name!r}: use 1-64 letters, digits and '
                           '_.- (starting with a letter or digit)')
    for field, (low, high) in RANGES.items():
        value = getattr(spec, field)
        if value is not None:  # slots only
            _in_range(field, value, low, high)
    for field in ('partition', 'account', 'qos'):
        value = getattr(spec, field)
        if value is not None and not SLURM_WORD.fullmatch(value):
            raise InvalidInput(f'{field} must be 1-64 characters without spaces, not {value!r}')
    if len(spec.sbatch_args) > MAX_SBATCH_ARGS or not all(spec.sbatch_args):
        raise InvalidInput(f'sbatch_args: at most {MAX_SBATCH_ARGS} non-empty options')
    for field in ('job_types', 'runs'):
        names = getattr(spec, field)
        if names is not None and not 1 <= len(names) <= MAX_SERVED:
            raise InvalidInput(f'{field} must name 1 to {MAX_SERVED}, or be null for any')


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise InvalidInput(f'{name} must be between {low:g} and {high:g}, not {value:g}')


def add_queue(principal: Principal, spec: QueueSpec, now: float | None = None) -> QueueView:
    """Add a queue (not paused) to the caller's project; Conflict when the name is taken."""
    require_manager(principal)
    require_unbound(principal)
    check_spec(spec)
    now = time.time() if now is None else now
    with database.write():
        _check_served(principal.project_id, spec)
        if _row_or_none(principal, spec.name) is not None:
            raise Conflict(f'allocation queue {spec.name!r} already exists')
        queue = AllocationQueue.create(project=principal.project_id, created_by=principal.user_id,
                                       created_at=now, **_columns(spec))
        audit.record(principal, 'allocation.add', OBJECT_TYPE, queue.id, now=now,
                     **_columns(spec))
    return get_queue(principal, spec.name)


def _columns(spec: QueueSpec) -> dict:
    served = (None if spec.job_types is None and spec.runs is None else json.dumps(
        {'job_types': _listed(spec.job_types), 'runs': _listed(spec.runs)}))
    return dict(name=spec.name, walltime_s=spec.walltime_s, max_jobs=spec.max_jobs,
                nodes=spec.nodes, slots=spec.slots, idle_timeout_s=spec.idle_timeout_s,
                partition=spec.partition, account=spec.account, qos=spec.qos,
                sbatch_args=json.dumps(list(spec.sbatch_args)), serves=served)


def _listed(names: tuple[str, ...] | None) -> list[str] | None:
    return None if names is None else list(names)


def _check_served(project_id: int, spec: QueueSpec) -> None:
    """InvalidInput naming a job type or run the project does not have: a typo would
    otherwise leave the queue waiting for work that never comes."""
    if spec.job_types:
        known = {name for (name,) in run_sql(
            f'SELECT DISTINCT name FROM job_type WHERE project_id = ? '
            f'AND name IN ({marks(spec.job_types)})', (project_id, *spec.job_types)).fetchall()}
        unknown = sorted(set(spec.job_types) - known)
        if unknown:
            raise InvalidInput(f'no job type {", ".join(unknown)} in this project')
    if spec.runs:
        known = {uuid for (uuid,) in Run.select(Run.uuid).where(
            Run.project == project_id, Run.uuid.in_(spec.runs), ~Run.deleting).tuples()}
        unknown = sorted(set(spec.runs) - known)
        if unknown:
            raise InvalidInput(f'no run {", ".join(unknown)} in this project')


def get_queue(principal: Principal, name: str) -> QueueView:
    """The queue `name` of the caller's project, or NotFound."""
    return _with_counts([_row(principal, name)])[0]


def list_queues(principal: Principal) -> list[QueueView]:
    """The caller's project's queues by name."""
    rows = (AllocationQueue.select().where(AllocationQueue.project == principal.project_id)
            .order_by(AllocationQueue.name))
    return _with_counts(list(rows))


def change_queue(principal: Principal, name: str, *, paused: bool | None = None,
                 limits: dict | None = None, now: float | None = None) -> QueueView:
    """Pause or resume a queue, or change its LIMITS; a resumed queue tries sbatch at once."""
    require_manager(principal)
    require_unbound(principal)
    limits = limits or {}
    unknown = sorted(set(limits) - set(LIMITS))
    if unknown:
        raise InvalidInput(f'cannot change {", ".join(unknown)}; only {", ".join(LIMITS)}')
    now = time.time() if now is None else now
    with database.write():
        row = _row(principal, name, lock=True)
        check_spec(dataclasses.replace(_spec(row), **limits))
        changes = dict(limits)
        if paused is not None:
            changes['is_paused'] = paused
            if not paused:  # a person resuming it wants it to act now, not after a backoff
                changes.update(backoff_until=None, failures=0)
        if changes:
            AllocationQueue.update(**changes).where(AllocationQueue.id == row.id).execute()
            action = {True: 'allocation.pause', False: 'allocation.resume'}.get(
                paused, 'allocation.change')
            audit.record(principal, action, OBJECT_TYPE, row.id, now=now, name=name, **limits)
    return get_queue(principal, name)


def remove_queue(principal: Principal, name: str, now: float | None = None) -> list[str]:
    """Remove a queue and its job records; the Slurm ids of its jobs not yet running, which
    the caller cancels (running ones end when their agents leave, idle)."""
    require_manager(principal)
    require_unbound(principal)
    now = time.time() if now is None else now
    waiting = (AllocationJobState.SUBMITTED.value, AllocationJobState.PENDING.value)
    with database.write():
        row = _row(principal, name, lock=True)
        pending = [job_id for (job_id,) in AllocationJob.select(AllocationJob.slurm_job_id).where(
            AllocationJob.queue == row.id, AllocationJob.state.in_(waiting)).tuples()]
        AllocationJob.delete().where(AllocationJob.queue == row.id).execute()
        AllocationQueue.delete().where(AllocationQueue.id == row.id).execute()
        audit.record(principal, 'allocation.remove', OBJECT_TYPE, row.id, now=now, name=name,
                     cancelled=pending)
    return pending


def queue_jobs(principal: Principal, name: str, limit: int = 100) -> list[JobView]:
    """The queue's jobs, newest first: every active one, then the latest ended ones."""
    row = _row(principal, name)
    rows = (AllocationJob.select().where(AllocationJob.queue == row.id)
            .order_by(AllocationJob.submitted_at.desc(), AllocationJob.id.desc()).limit(limit))
    return [JobView(job.slurm_job_id, job.state, job.reason, job.submitted_at, job.started_at,
                    job.ended_at) for job in rows]


def _row(principal: Principal, name: str, *, lock: bool = False) -> AllocationQueue:
    row = _row_or_none(principal, name, lock=lock)
    if row is None:
        raise NotFound(f'no allocation queue {name!r}')
    return row


def _row_or_none(principal: Principal, name: str, *, lock: bool = False):
    if not NAME.fullmatch(name):  # no queue has it; and PostgreSQL refuses a NUL in a query
        return None
    query = AllocationQueue.select().where(AllocationQueue.project == principal.project_id,
                                           AllocationQueue.name == name)
    if lock and database.for_update:
        query = query.for_update()
    return query.first()


def _spec(row: AllocationQueue) -> QueueSpec:
    served = json.loads(row.serves) if row.serves else {}
    job_types, runs = served.get('job_types'), served.get('runs')
    return QueueSpec(row.name, row.walltime_s, row.max_jobs, row.nodes, row.slots,
                     row.idle_timeout_s, row.partition, row.account, row.qos,
                     tuple(json.loads(row.sbatch_args)),
                     None if job_types is None else tuple(job_types),
                     None if runs is None else tuple(runs))


def view_of(row: AllocationQueue, created_by: str | None = None, counts=(0, 0, 0)) -> QueueView:
    """A stored queue as a QueueView (counts: jobs pending, jobs running, agents alive)."""
    return QueueView(row.id, row.project_id, _spec(row), row.is_paused, row.backoff_until,
                     row.last_decision, row.last_decision_at, created_by, row.created_at, *counts)


def _with_counts(rows: list[AllocationQueue]) -> list[QueueView]:
    """Views of `rows` with their jobs by state and their live agents, in three queries."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    active = [state.value for state in ALLOCATION_JOB_ACTIVE]
    jobs = run_sql(f'SELECT queue_id, state, COUNT(*) FROM allocation_job '
                   f'WHERE queue_id IN ({marks(ids)}) AND state IN ({marks(active)}) '
                   'GROUP BY queue_id, state', (*ids, *active)).fetchall()
    pending, running = {}, {}
    for queue_id, state, count in jobs:
        counts = running if state == AllocationJobState.RUNNING.value else pending
        counts[queue_id] = counts.get(queue_id, 0) + count
    agents = dict(run_sql(
        f'SELECT j.queue_id, COUNT(*) FROM allocation_job j JOIN worker w '
        f'ON w.slurm_job_id = j.slurm_job_id AND w.project_id = ? '
        f"WHERE j.queue_id IN ({marks(ids)}) AND j.state = 'running' "
        "AND w.state IN ('idle', 'busy', 'draining') GROUP BY j.queue_id",
        (rows[0].project_id, *ids)).fetchall())
    names = dict(run_sql(f'SELECT id, name FROM "user" WHERE id IN '
                         f'({marks([row.created_by_id or 0 for row in rows])})',
                         tuple(row.created_by_id or 0 for row in rows)).fetchall())
    return [view_of(row, names.get(row.created_by_id),
                    (pending.get(row.id, 0), running.get(row.id, 0), agents.get(row.id, 0)))
            for row in rows]


def served_job_types(spec: QueueSpec) -> list[str] | None:
    """The job type names a queue's agents are told to serve (None: every type): its own, and
    the types of the runs it names (coordinator.allocator)."""
    if spec.job_types is None and spec.runs is None:
        return None
    names = set(spec.job_types or ())
    if spec.runs:
        names |= {name for (name,) in JobType.select(JobType.name).join(
            Run, on=(Run.job_type == JobType.id)).where(Run.uuid.in_(spec.runs)).tuples()}
    return sorted(names)
