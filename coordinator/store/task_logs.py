"""A running task's log, whole up to the coordinator's cap, kept from the agent that runs it.

A result carries the tail of a task's log (its agent keeps the last 16 KB, the store
64 KB), which keeps the report path of every task small and fast. An IronWorker task's
log is what its users read back (`GET …/tasks/{id}/log`), so its agent sends a longer
one, up to `Config.max_log_bytes`, through this path before its result, only when the
log is longer than a result's tail; the result then carries no log of its own, and
leaves this one in place. Fenced as a result is: the task must be running, at this
attempt, on this worker.
"""

from coordinator.db import database, run_sql
from coordinator.errors import Conflict
from coordinator.states import TaskState
from coordinator.store import workers
from coordinator.store.access import Principal


def keep_log(principal: Principal, worker_uuid: str, task_id: int, attempt: int,
             text: str) -> None:
    """Store `text` as the log of task `task_id`, held at `attempt` by the worker; Conflict
    when it is not (a stale attempt, another worker's, finished, or no such task)."""
    worker_id = workers.active_worker(principal, worker_uuid)
    with database.write():
        kept = run_sql('UPDATE task SET log_tail = ? WHERE id = ? AND project_id = ? '
                       'AND attempt = ? AND worker_id = ? AND status = ?',
                       (text, task_id, principal.project_id, attempt, worker_id,
                        TaskState.RUNNING.value)).rowcount
    if kept != 1:
        raise Conflict(f'task {task_id} is not running at attempt {attempt} on this worker')
