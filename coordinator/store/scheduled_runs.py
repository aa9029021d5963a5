"""Taskfarm runs created on a schedule: the built-in job class the coordinator runs itself.

An ndscheduler job of the class `farmworker.job_classes.TaskfarmRunJob` creates a run each
time it fires (or is run now). The coordinator does it in the transaction that records the
execution, rather than queueing the execution for an agent: no worker token needs the
power to create runs, and the unique (job, fire time) of executions makes it one run per
fire whatever the number of coordinators. The job's keyword arguments are the fields of
POST /farm/v1/runs, checked when the job is added or modified (api/ndscheduler/jobs.py);
the run is owned by the job's creator, in the job's project, and named after the job.
The execution ends at once: `succeeded` with {"run": "<uuid>"}, or `failed` saying why
(its creator was deleted, say).
"""

import json

from coordinator.db import run_sql
from coordinator.errors import FarmError
from coordinator.models import Run
from coordinator.states import TaskState
from coordinator.store import runs, session_users
from coordinator.store.runs import Policy, Recipe

CLASS_STRING = 'farmworker.job_classes.TaskfarmRunJob'
RECIPE_FIELDS = ('num_tasks', 'command', 'inputs')  # its name is the job's
POLICY_FIELDS = ('max_tries', 'retry_delay_s', 'task_timeout_s', 'expected_duration_s')
FIELDS = frozenset(RECIPE_FIELDS + POLICY_FIELDS)


def is_run_job(job_class_string: str) -> bool:
    """Whether a job of this class creates runs (and is run by the coordinator)."""
    return job_class_string == CLASS_STRING


def create_run(schedule_id: int, kwargs_text: str, task_id: int, now: float) -> None:
    """Inside the caller's transaction: the run a job describes, and its execution (the task
    `task_id`, just queued) finished with the run's uuid or the reason there is none."""
    name, creator_id = run_sql('SELECT name, created_by_id FROM schedule WHERE id = ?',
                               (schedule_id,)).fetchone()
    creator = None if creator_id is None else session_users.session_user(creator_id)
    try:
        if creator is None:
            raise FarmError('the user who added the job was deleted: nobody would own its run')
        run = _create(creator.principal, json.loads(kwargs_text or '{}'), name, now)
    except (FarmError, TypeError, ValueError) as exc:  # a job older than the checks, say
        _finish(task_id, TaskState.ERROR, None, f'no run was created: {exc}', now)
        return
    _finish(task_id, TaskState.COMPLETE, {'result': {'run': run.uuid}}, None, now)


def _create(principal, kwargs: dict, job_name: str | None, now: float) -> Run:
    unknown = sorted(set(kwargs) - FIELDS)
    if unknown:
        raise ValueError(f'unknown field(s) {", ".join(unknown)}')
    inputs = kwargs.get('inputs')
    num_tasks = kwargs.get('num_tasks') or len(inputs or ())
    if not num_tasks:
        raise ValueError("missing field 'num_tasks' (or 'inputs', one per task)")
    recipe = Recipe((job_name or '')[:Run.name.max_length] or None, kwargs.get('command'),
                    inputs)
    policy = Policy(**{key: kwargs[key] for key in POLICY_FIELDS if key in kwargs})
    return runs.create_run(principal, num_tasks, now=now, policy=policy, recipe=recipe)


def _finish(task_id: int, state: TaskState, output: dict | None, message: str | None,
            now: float) -> None:
    changed = run_sql('UPDATE task SET status = ?, output = ?, msg = ?, ended_at = ?, '
                      'status_changed_at = ? WHERE id = ? AND status = ?',
                      (state.value, None if output is None else json.dumps(output), message, now,
                       now, task_id, TaskState.QUEUED.value)).rowcount
    if changed != 1:
        raise RuntimeError(f'execution task {task_id} changed before it was finished')
