"""Runs' tasks never handed out, which have no rows yet: how many each run has, from its counters.

A run of N tasks is created without its rows (they are written when first claimed),
so a count of queued rows misses them. Its counters say how many of its tasks wait
(neither running nor finished); those with rows (retries, hand-backs, tasks a person
put back) are queued rows, and the rest were never handed out: they wait since the run
was created, at priority 0 like every task of a run, and may be handed out at once.
"""

import dataclasses

from coordinator.db import run_sql
from coordinator.store.id_lists import grouped

# a run's tasks neither running nor finished, from its counters (allocation_need reads it too)
WAITING = 'num_tasks - running_count - done_count - failed_count - cancelled_count'


@dataclasses.dataclass(frozen=True, slots=True)
class Unclaimed:
    """A run's tasks never handed out: `count` of them, of type `job_type_id`, since `since`."""

    job_type_id: int
    count: int
    since: float


def unclaimed(project_id: int, created_from: float | None = None,
              created_to: float | None = None) -> list[Unclaimed]:
    """The project's runs with tasks never handed out (those created between the two times,
    when given): runs being deleted, loaded or cancelled hand out nothing, and are left out."""
    window, params = '', (project_id,)
    if created_from is not None:
        window, params = ' AND created_at >= ? AND created_at <= ?', (*params, created_from,
                                                                       created_to)
    runs = run_sql(f'SELECT id, job_type_id, created_at, {WAITING} FROM run '
                   'WHERE project_id = ? AND NOT deleting AND NOT loading '
                   f'AND cancelled_at IS NULL AND {WAITING} > 0{window}', params).fetchall()
    with_rows = _queued_rows([run_id for run_id, *_ in runs])
    found = [Unclaimed(type_id, waiting - with_rows.get(run_id, 0), created_at)
             for run_id, type_id, created_at, waiting in runs]
    return [item for item in found if item.count > 0]


def _queued_rows(run_ids: list[int]) -> dict[int, int]:
    """How many queued rows each run has (the run, status, number index counts them)."""
    return dict(grouped(run_ids, 'SELECT run_id, COUNT(*) FROM task WHERE run_id IN ({ids}) '
                                 "AND status = 'queued' GROUP BY run_id"))
