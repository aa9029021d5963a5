"""How /farm/v1 shows runs, tasks and workers as JSON (instants RFC 3339, UTC), and in pages."""

import datetime

from coordinator.api import bodies
from coordinator.models import MAX_TASKS
from coordinator.store import activity, runs
from coordinator.store.task_views import TaskDetail
from coordinator.store.worker_views import WorkerView

MAX_PAGE = 1000


def page_limit(req) -> int:
    """?limit=: how many rows a page of a list holds."""
    return bodies.query_integer(req, 'limit', 100, minimum=1, maximum=MAX_PAGE)


def paging(req) -> tuple[int, int]:
    """?limit=&offset=: the page of a list that is read (limit, offset)."""
    return page_limit(req), bodies.query_integer(req, 'offset', 0, minimum=0, maximum=MAX_TASKS)


def instant(epoch_s: float | None) -> str | None:
    """An epoch time as RFC 3339 with its zone, e.g. 2026-11-23T17:20:05.123456+00:00."""
    if epoch_s is None:
        return None
    return datetime.datetime.fromtimestamp(epoch_s, datetime.UTC).isoformat()


def instant_z(epoch_s: float | None) -> str | None:
    """An epoch time as ISO 8601 in UTC written with Z, as Scale writes its times:
    2026-11-23T17:20:05.123456Z."""
    return None if epoch_s is None else instant(epoch_s).removesuffix('+00:00') + 'Z'


def run_dict(status: runs.RunStatus) -> dict:
    """What agents need of a run: progress, policy and the command to run."""
    policy = status.policy
    return {'uuid': status.uuid, 'name': status.name, 'command': status.command,
            'has_inputs': status.has_inputs, 'num_tasks': status.num_tasks,
            'waiting': status.waiting, 'running': status.running, 'done': status.done,
            'failed': status.failed, 'cancelled': status.cancelled,
            'percent_done': status.percent_done, 'max_tries': policy.max_tries,
            'retry_delay_s': policy.retry_delay_s, 'task_timeout_s': policy.task_timeout_s,
            'expected_duration_s': policy.expected_duration_s}


def run_state(status: runs.RunStatus) -> str:
    if status.cancelled_at is not None:
        return 'cancelled'
    if status.finished:
        return 'finished'
    return 'running' if status.started_at is not None else 'waiting'


def run_view(status: runs.RunStatus, rate_per_s: float, now: float,
             workers: tuple[int, float | None] = (0, None)) -> dict:
    """What people see of a run: `run_dict` with its state, history, rate, ETA and workers.

    `workers` is (how many run its tasks now, the latest end of their walltimes): an ETA
    beyond `walltime_left_s` means the run needs more workers than it has.
    """
    count, walltime_end_at = workers
    return {**run_dict(status), 'state': run_state(status),
            'created_at': instant(status.created_at), 'started_at': instant(status.started_at),
            'finished_at': instant(status.last_ended_at if status.finished else None),
            'rate_per_s': rate_per_s,
            'eta_s': activity.eta_s(status.waiting + status.running, rate_per_s),
            'workers': count,
            'walltime_left_s': None if walltime_end_at is None else max(0.0, walltime_end_at - now)}


def task_view(task: TaskDetail, now: float, *, detail: bool = False) -> dict:
    view = {'number': task.number, 'status': task.status, 'attempt': task.attempt,
            'failed_tries': task.failed_tries, 'worker': task.worker, 'hostname': task.hostname,
            'percent': task.percent, 'started_at': instant(task.started_at),
            'ended_at': instant(task.ended_at), 'duration_s': task.duration_s(now),
            'exit_code': task.exit_code, 'msg': task.msg, 'input': task.input}
    if detail:
        view.update(log_tail=task.log_tail, error_category=task.error_category)
    return view


def held_tasks_view(held) -> list[dict]:
    """The tasks a worker holds (`worker_views.Held`); queued work has no run or number."""
    return [task._asdict() for task in held]


def worker_view(worker: WorkerView) -> dict:
    return {'uuid': worker.uuid, 'hostname': worker.hostname, 'pid': worker.pid,
            'slots': worker.slots, 'cpus': worker.cpus, 'memory_bytes': worker.memory_bytes,
            'load': worker.load, 'state': worker.state, 'reason': worker.reason,
            'slurm_job_id': worker.slurm_job_id, 'walltime_end_at': instant(worker.walltime_end_at),
            'last_heartbeat_at': instant(worker.last_heartbeat_at),
            'created_at': instant(worker.created_at), 'tasks': held_tasks_view(worker.tasks),
            'allocation': worker.allocation}
