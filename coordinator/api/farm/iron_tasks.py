"""IronWorker tasks for people (/farm/v1/iron-tasks): a page of them by code package and
status, and cancelling one by its 24-hex id, as `farm iron-tasks` and `farm task cancel` do."""

import time

from coordinator.api import bodies
from coordinator.api.farm.views import instant_z, paging
from coordinator.api.ironworker import codes
from coordinator.api.ironworker.ids import Kind, decode, encode
from coordinator.states import TaskState
from coordinator.store import iron_tasks
from coordinator.store.iron_tasks import TaskFilters, TaskView

STATES = tuple(state.value for state in TaskState)


def iron_task_view(task: TaskView) -> dict:
    duration = (None if task.started_at is None or task.ended_at is None
                else task.ended_at - task.started_at)
    return {'id': encode(Kind.TASK, task.id), 'task_id': task.id,
            'code_name': task.code_name, 'code_rev': task.rev, 'status': task.state.value,
            'priority': task.priority, 'label': task.label, 'attempt': task.attempt,
            'failed_tries': task.failed_tries, 'percent': task.percent, 'msg': task.msg,
            'created_at': instant_z(task.created_at),
            'available_at': instant_z(task.available_at),
            'started_at': instant_z(task.started_at), 'ended_at': instant_z(task.ended_at),
            'duration_s': duration}


class IronTasks:
    """GET /farm/v1/iron-tasks?code_name=&status=&limit=&offset=: newest first."""

    def on_get(self, req, resp):
        limit, offset = paging(req)
        status = bodies.query_choice(req, 'status', STATES)
        code_name = req.get_param('code_name') or None
        if code_name is not None:
            bodies.text(code_name, 'code_name', codes.MAX_NAME)
        filters = TaskFilters(states=() if status is None else (TaskState(status),),
                              code_name=code_name)
        found = iron_tasks.list_tasks(req.context.principal, filters, offset, limit)
        resp.media = {'now': instant_z(time.time()),
                      'tasks': [iron_task_view(task) for task in found]}


class IronTaskCancel:
    """POST /farm/v1/iron-tasks/{iron_id}/cancel: as the /2/ cancel (an agent running it
    stops it at its next heartbeat); 409 when it has already finished."""

    def on_post(self, req, resp, iron_id):
        principal = req.context.principal
        task_id = decode(Kind.TASK, iron_id)
        iron_tasks.cancel(principal, task_id)
        resp.media = iron_task_view(iron_tasks.task(principal, task_id))
