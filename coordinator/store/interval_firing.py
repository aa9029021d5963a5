"""The interval family of the firing engine: a due IronWorker schedule queues its code
package's task, once per fire time, and moves on to its next fire time or completes.

Called by `firing.fire_due` inside a write transaction per schedule, as cron jobs are:
the row is locked and re-read, so a process that waited finds `next_fire_at` moved on,
and the unique (schedule, fire time) on Task stops a second task should two ever get
past that. Fire times are `start_at + k * run_every_s`. Fires missed while no
coordinator ran coalesce into one, at the last of them; unlike a cron job's there is no
misfire grace, so a one-off schedule whose time passed during an outage still runs once.
A firing whose code package was deleted queues nothing and does not count.
"""

import json
import logging

from coordinator.db import database, run_sql
from coordinator.store import iron_schedules, iron_tasks
from coordinator.store.iron_schedules import Timing
from coordinator.store.queue import Order

log = logging.getLogger(__name__)

_COLUMNS = ('id, project_id, public_id, job_type_id, payload, priority, kwargs, start_at, '
            'run_every_s, end_at, run_times, run_count, is_paused, next_fire_at')


def fire(schedule_id: int, now: float) -> int | None:
    """Fire one schedule if it is still due; the id of the task it queued, if any."""
    lock = ' FOR UPDATE' if database.for_update else ''
    row = run_sql(f'SELECT {_COLUMNS} FROM schedule WHERE id = ? AND family = ?{lock}',
                  (schedule_id, iron_schedules.FAMILY)).fetchone()
    if row is None:
        return None
    (_, project_id, public_id, code_id, payload, priority, kwargs, start_at, run_every_s,
     end_at, run_times, run_count, is_paused, next_fire_at) = row
    if is_paused or next_fire_at is None or next_fire_at > now:
        return None
    timing = Timing(start_at, run_every_s, end_at, run_times)
    until = now if end_at is None else min(now, end_at)
    fire_at = max(timing.last_fire_at(until), next_fire_at)
    options = json.loads(kwargs or '{}')
    task_id = None if code_id is None else iron_tasks.queue_firing(
        project_id, code_id, Order(payload=payload, priority=priority,
                                   delay_s=options.get('delay_s') or 0.0,
                                   timeout_s=options.get('timeout_s'),
                                   label=options.get('label')),
        (schedule_id, fire_at), now)
    if task_id is None:
        log.warning('schedule %s fired at %.0f but queued nothing (its code package was '
                    'deleted, or the fire time had its task)', public_id, fire_at)
    else:
        run_count += 1
    following = timing.first_fire_at(max(fire_at, now), run_count)
    run_sql('UPDATE schedule SET next_fire_at = ?, last_fire_at = ?, run_count = ? '
            'WHERE id = ?', (following, fire_at, run_count, schedule_id))
    return task_id
