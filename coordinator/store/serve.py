"""One dispatcher for every family: a `farmworker serve` agent's claims and reports, by task id.

A claim hands out the best eligible work of the worker's project, whichever family
queued it, in this order: queued work of priority 0 or more (highest first, then
oldest), then the open runs' tasks (oldest run first; a run's tasks have priority 0
and their run's order), then queued work of negative priority. Each part is its own
short write transaction with the guarantees of its module: `queue` (types' caps and
pauses, `available_at`) and `dispatch` (a run's lock, its paused or inactive type);
with no open run, the queued work of every priority is one claim, with the heartbeat.
A token bound to a run serves that run only.

Reports name tasks by id, so one batch may mix runs' tasks and queued work; each
run's results are applied under its lock, as `reports.report` does.
"""

import collections
import dataclasses
import json
import time

from coordinator.db import database, run_sql
from coordinator.store import dispatch, queue, reports, runs, workers
from coordinator.store.access import Principal
from coordinator.store.counters import RunCounters

RUNS_PER_CLAIM = 20  # open runs a claim looks at, oldest first, before giving up


@dataclasses.dataclass(frozen=True, slots=True)
class Work:
    """A task handed to a serve agent: queued work (run None) or a run's numbered task."""

    id: int
    attempt: int
    job_type_id: int
    revision_id: int | None = None
    payload: str | None = None
    timeout_s: int | None = None
    run_id: int | None = None
    number: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Revision:
    """What an agent needs to run a job type's tasks queued at one revision."""

    manifest: dict | None
    command: list[str] | None
    docker_image: str | None
    settings: dict  # secret ones too: only the agent that runs the work is told them
    # an IronWorker code package's revision: its zip's checksum, runtime, file name, config,
    # env_vars
    code: dict | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class RunBrief:
    """What an agent needs to run a run's tasks."""

    uuid: str
    command: list[str] | None
    task_timeout_s: float | None
    expected_duration_s: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class Briefing:
    """Everything a claim's answer says besides the tasks: names, definitions, runs, inputs."""

    types: dict[int, tuple[str, str]]  # job type id -> (name, version)
    revisions: dict[int, Revision]
    runs: dict[int, RunBrief]
    inputs: dict[int, str]  # task id -> its line of its run's sweep


def claim(principal: Principal, worker_uuid: str, max_tasks: int,
          type_names: list[str] | None = None, now: float | None = None) -> list[Work]:
    """Up to `max_tasks` tasks for a worker, of the named job types (None: any); a heartbeat."""
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    queued = principal.run_id is None  # a token bound to a run serves that run only
    open_runs = _open_runs(principal, type_names)
    if queued and not open_runs:
        # with no run to serve between them, both bands are one claim, and the heartbeat
        # rides in its transaction: a transaction fewer per claim
        with database.write():
            work = _queued(principal, worker_id, max_tasks, type_names, now, queue.Band.ALL)
            workers.touch(worker_id, now)
        return work
    # the heartbeat rides in the last transaction the claim makes: on PostgreSQL each commit
    # waits for a WAL flush, and a claim's latency is its commits'
    work = []
    if queued:
        with database.write():
            work += _queued(principal, worker_id, max_tasks, type_names, now, queue.Band.HIGH)
            if len(work) >= max_tasks:
                workers.touch(worker_id, now)
                return work
    for run_id in open_runs:
        with workers.writing_with_beat(worker_id, now, beat=False) as beat:
            # a run another agent is claiming from or reporting to is passed over, not waited
            # for: this agent takes other work, or the run's on its next claim. Waiting, every
            # serve claim queued on the run's row, each holding a coordinator thread
            run = runs.lock_run(run_id, for_claims=True, skip_locked=True)
            if run is not None:
                counters = RunCounters(run.id, now)
                work += [Work(task.id, task.attempt, run.job_type_id, run_id=run.id,
                              number=task.number)
                         for task in dispatch.claim_in_run(run, worker_id,
                                                           max_tasks - len(work), counters)]
                counters.save()
            beat.wanted = len(work) >= max_tasks  # the claim's last transaction
        if len(work) >= max_tasks:
            return work
    with database.write():
        if queued:
            work += _queued(principal, worker_id, max_tasks - len(work), type_names, now,
                            queue.Band.LOW)
        workers.touch(worker_id, now)
    return work


def _queued(principal: Principal, worker_id: int, max_tasks: int, type_names: list[str] | None,
            now: float, band: queue.Band) -> list[Work]:
    return [Work(task.id, task.attempt, task.job_type_id, task.revision_id, task.payload,
                 task.timeout_s)
            for task in queue.take(principal.project_id, worker_id, max_tasks, type_names, now,
                                   band)]


def _open_runs(principal: Principal, type_names: list[str] | None) -> list[int]:
    """The ids of the runs a claim may take tasks from, oldest first: queued tasks left, not
    cancelled, and a job type that is active, not paused and among `type_names`."""
    where, params = runs.visible(principal)
    names = ('' if type_names is None
             else f' AND job_type.name IN ({", ".join("?" * len(type_names))})')
    return [row[0] for row in run_sql(
        'SELECT run.id FROM run JOIN job_type ON job_type.id = run.job_type_id '
        f'WHERE {where} AND run.project_id = ? AND run.cancelled_at IS NULL '
        'AND run.num_tasks > run.running_count + run.done_count + run.failed_count '
        '+ run.cancelled_count AND job_type.is_active AND NOT job_type.is_paused'
        f'{names} ORDER BY run.id LIMIT ?',
        (*params, principal.project_id, *(type_names or ()), RUNS_PER_CLAIM)).fetchall()]


def report(principal: Principal, worker_uuid: str, results: list[reports.Result],
           now: float | None = None, *, heartbeat: bool = True) -> reports.Receipt:
    """Apply results named by task id (`Result.number`), fenced by attempt; a heartbeat unless
    told not (a claim that follows at once is one)."""
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    receipt = reports.Receipt()
    with database.write():
        of_runs = queue.settle(principal.project_id, worker_id, results, now, receipt)
        if heartbeat and not of_runs:  # in the last transaction: one commit fewer
            workers.touch(worker_id, now)
    for run_id in sorted(of_runs):
        with workers.writing_with_beat(worker_id, now, heartbeat and run_id == max(of_runs)):
            run = runs.lock_run(run_id)
            if run is None:  # deleted meanwhile
                reports.refuse_unclaimed(of_runs[run_id], receipt)
                continue
            counters = RunCounters(run.id, now)
            reports.settle_run(run, worker_id, of_runs[run_id], receipt, counters, by_id=True)
            counters.save()
    return receipt


def briefing(work: list[Work], known_revisions: set[int] = frozenset()) -> Briefing:
    """What the agent needs besides `work` itself; revisions in `known_revisions` are left out."""
    type_ids = {task.job_type_id for task in work}
    revision_ids = {task.revision_id for task in work if task.revision_id is not None}
    run_ids = {task.run_id for task in work if task.run_id is not None}
    return Briefing(types=_type_names(type_ids),
                    revisions=_revisions(revision_ids - set(known_revisions)),
                    runs=_run_briefs(run_ids),
                    inputs=_inputs([task for task in work if task.run_id is not None]))


def _type_names(type_ids: set[int]) -> dict[int, tuple[str, str]]:
    if not type_ids:
        return {}
    return {row[0]: (row[1], row[2]) for row in run_sql(
        f'SELECT id, name, version FROM job_type WHERE id IN ({", ".join("?" * len(type_ids))})',
        tuple(sorted(type_ids))).fetchall()}


def _revisions(revision_ids: set[int]) -> dict[int, Revision]:
    if not revision_ids:
        return {}
    rows = run_sql(
        'SELECT r.id, r.manifest, r.command, r.docker_image, t.configuration, r.checksum, '
        'r.runtime, r.file_name, r.config, r.env_vars '
        'FROM job_type_revision r JOIN job_type t ON t.id = r.job_type_id '
        f'WHERE r.id IN ({", ".join("?" * len(revision_ids))})',
        tuple(sorted(revision_ids))).fetchall()
    return {row[0]: Revision(_loads(row[1]), _loads(row[2]), row[3],
                             (_loads(row[4]) or {}).get('settings') or {}, _code(*row[5:]))
            for row in rows}


def _code(checksum: str | None, runtime: str | None, file_name: str | None,
          config: str | None, env_vars: str | None) -> dict | None:
    """What an agent needs to fetch and run a code package's zip; None for other revisions
    (and for a code package's image-only revision, which runs its command)."""
    if checksum is None:
        return None
    return {'checksum': checksum, 'runtime': runtime, 'file_name': file_name,
            'config': config, 'env_vars': _loads(env_vars) or {}}


def _run_briefs(run_ids: set[int]) -> dict[int, RunBrief]:
    if not run_ids:
        return {}
    rows = run_sql('SELECT id, uuid, command, task_timeout_s, expected_duration_s FROM run '
                   f'WHERE id IN ({", ".join("?" * len(run_ids))})',
                   tuple(sorted(run_ids))).fetchall()
    return {run_id: RunBrief(uuid, _loads(command), timeout, expected)
            for run_id, uuid, command, timeout, expected in rows}


def _inputs(run_work: list[Work]) -> dict[int, str]:
    numbers = collections.defaultdict(list)
    for task in run_work:
        numbers[task.run_id].append(task)
    inputs = {}
    for run_id, tasks in numbers.items():
        lines = runs.task_inputs(run_id, [task.number for task in tasks])
        inputs.update({task.id: lines[task.number] for task in tasks if task.number in lines})
    return inputs


def _loads(text: str | None):
    return None if text is None else json.loads(text)
