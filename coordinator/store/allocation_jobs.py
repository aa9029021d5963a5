"""The allocator's writes and reads: its queues' Slurm jobs, their agents, decisions and backoff.

Each change is one short write transaction; a job's state moves by a conditional
UPDATE from the state it was read in, so two passes never move it twice.
"""

import dataclasses

from coordinator.db import database, run_sql
from coordinator.models import AllocationJob
from coordinator.states import ALLOCATION_JOB_ACTIVE, AllocationJobState, WorkerState
from coordinator.store.id_lists import marks

_ACTIVE = tuple(state.value for state in ALLOCATION_JOB_ACTIVE)
_ALIVE = (WorkerState.IDLE.value, WorkerState.BUSY.value)  # draining agents take nothing more


@dataclasses.dataclass(frozen=True, slots=True)
class ActiveJob:
    """A job of a queue that is submitted, pending or running."""

    id: int
    slurm_job_id: str
    state: str
    submitted_at: float


@dataclasses.dataclass(frozen=True, slots=True)
class Agents:
    """The agents that registered from one Slurm job: slots of those alive, and whether any
    ever did (a job whose agents all left has no capacity, one starting has its whole size)."""

    alive_slots: int
    registered: bool
    largest_slots: int


def unpaused_queue_ids() -> list[int]:
    """Every project's queues the allocator works on."""
    return [queue_id for (queue_id,) in run_sql(
        'SELECT id FROM allocation_queue WHERE NOT is_paused ORDER BY id').fetchall()]


def active_jobs(queue_id: int) -> list[ActiveJob]:
    return [ActiveJob(*row) for row in run_sql(
        f'SELECT id, slurm_job_id, state, submitted_at FROM allocation_job WHERE queue_id = ? '
        f'AND state IN ({marks(_ACTIVE)}) ORDER BY id', (queue_id, *_ACTIVE)).fetchall()]


def agents_of(project_id: int, slurm_job_ids: list[str]) -> dict[str, Agents]:
    """The agents of the project that registered from each of these Slurm jobs."""
    if not slurm_job_ids:
        return {}
    found: dict[str, Agents] = {}
    for job_id, state, slots in run_sql(
            f'SELECT slurm_job_id, state, slots FROM worker WHERE project_id = ? '
            f'AND slurm_job_id IN ({marks(slurm_job_ids)})',
            (project_id, *slurm_job_ids)).fetchall():
        seen = found.get(job_id, Agents(0, True, 0))
        found[job_id] = Agents(seen.alive_slots + (slots if state in _ALIVE else 0), True,
                               max(seen.largest_slots, slots))
    return found


def largest_agent_slots(queue_id: int, project_id: int) -> int | None:
    """The most slots an agent of this queue's jobs registered with (the size of a node as
    Slurm gives it, for queues that leave slots to the agent); None before any did."""
    (found,) = run_sql('SELECT MAX(w.slots) FROM allocation_job j JOIN worker w '
                       'ON w.slurm_job_id = j.slurm_job_id AND w.project_id = ? '
                       'WHERE j.queue_id = ?', (project_id, queue_id)).fetchone()
    return found


def record_submitted(queue_id: int, slurm_job_id: str, now: float) -> None:
    AllocationJob.insert(queue=queue_id, slurm_job_id=slurm_job_id,
                         state=AllocationJobState.SUBMITTED.value, submitted_at=now).execute()


def move_job(job_id: int, from_state: str, to_state: AllocationJobState, now: float,
             reason: str | None = None) -> bool:
    """Move a job from the state it was read in; whether this call moved it."""
    started = ', started_at = COALESCE(started_at, ?)' if to_state is AllocationJobState.RUNNING \
        else ''
    ended = ', ended_at = ?' if to_state.value not in _ACTIVE else ''
    params = (to_state.value, reason, *((now,) if started else ()), *((now,) if ended else ()),
              job_id, from_state)
    with database.write():
        return run_sql(f'UPDATE allocation_job SET state = ?, reason = COALESCE(?, reason)'
                       f'{started}{ended} WHERE id = ? AND state = ?', params).rowcount == 1


def record_decision(queue_id: int, decision: str, now: float) -> None:
    with database.write():
        run_sql('UPDATE allocation_queue SET last_decision = ?, last_decision_at = ? '
                'WHERE id = ?', (decision, now, queue_id))


def back_off(queue_id: int, now: float, base_s: float, most_s: float) -> float:
    """One more sbatch failure in a row: no submission for twice as long as after the last
    (from `base_s`, at most `most_s`); the delay."""
    with database.write():
        (failures,) = run_sql('UPDATE allocation_queue SET failures = failures + 1 '
                              'WHERE id = ? RETURNING failures', (queue_id,)).fetchone()
        delay = min(most_s, base_s * 2 ** (failures - 1))
        run_sql('UPDATE allocation_queue SET backoff_until = ? WHERE id = ?',
                (now + delay, queue_id))
    return delay


def clear_backoff(queue_id: int) -> None:
    with database.write():
        run_sql('UPDATE allocation_queue SET failures = 0, backoff_until = NULL '
                'WHERE id = ? AND (failures <> 0 OR backoff_until IS NOT NULL)', (queue_id,))
