"""What a metrics scrape reports of the store's tasks: by project, job type and state.

Read from counters, never by counting tasks, so a scrape costs the same at 10**7 task
rows: a run's tasks from its run row's counters (O(runs)), queued work running from
its job type's `scheduled_count` (O(types)). Queued work waiting or finished has no
counter, so it is not here: counting it would read its rows on every scrape; the
claim and report counters count it as it moves.
"""

import dataclasses

from coordinator.db import run_sql
from coordinator.store import runs
from coordinator.store.access import Principal

RUN_STATES = ('waiting', 'running', 'done', 'failed', 'cancelled')


@dataclasses.dataclass(frozen=True, slots=True)
class TypeTasks:
    """How many tasks of one job type in one project are in each state."""

    project: str
    job_type: str
    version: str
    counts: dict[str, int]


def run_tasks(principal: Principal) -> list[TypeTasks]:
    """The visible runs' tasks by project, job type and state (`RUN_STATES`)."""
    where, params = runs.visible(principal)
    rows = run_sql(
        "SELECT project.name, COALESCE(job_type.name, ''), COALESCE(job_type.version, ''), "
        'SUM(run.num_tasks - run.running_count - run.done_count - run.failed_count '
        '- run.cancelled_count), SUM(run.running_count), SUM(run.done_count), '
        'SUM(run.failed_count), SUM(run.cancelled_count) FROM run '
        'JOIN project ON project.id = run.project_id '
        'LEFT JOIN job_type ON job_type.id = run.job_type_id '
        f'WHERE {where} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3', params).fetchall()
    return [TypeTasks(project, name, version, dict(zip(RUN_STATES, map(int, counts))))
            for project, name, version, *counts in rows]


def queued_work_running(principal: Principal) -> list[TypeTasks]:
    """Queued work running now by project and job type (a token bound to a run sees none)."""
    rows = run_sql(
        'SELECT project.name, job_type.name, job_type.version, job_type.scheduled_count '
        'FROM job_type JOIN project ON project.id = job_type.project_id '
        'WHERE (? OR job_type.project_id = ?) AND ? IS NULL AND job_type.scheduled_count > 0 '
        'ORDER BY 1, 2, 3',
        (principal.is_admin, principal.project_id, principal.run_id)).fetchall()
    return [TypeTasks(project, name, version, {'running': int(count)})
            for project, name, version, count in rows]

