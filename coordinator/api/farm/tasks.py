"""A run's tasks (/farm/v1/runs/{uuid}/tasks) as people see them: pages, one in detail, cancel."""

import time

from coordinator.api import bodies
from coordinator.api.farm.views import instant, page_limit, task_view
from coordinator.models import MAX_TASKS
from coordinator.store import run_tasks, task_views


class Tasks:
    """GET /farm/v1/runs/{uuid}/tasks?status=&after=&limit=: a page of tasks in number order."""

    def on_get(self, req, resp, uuid):
        status = bodies.query_choice(req, 'status', tuple(task_views.VIEW_STATES))
        after = bodies.query_integer(req, 'after', -1, minimum=-1, maximum=MAX_TASKS)
        page, next_after = task_views.list_tasks(req.context.principal, uuid.hex, status, after,
                                                 page_limit(req))
        now = time.time()
        resp.media = {'now': instant(now), 'tasks': [task_view(task, now) for task in page],
                      'next_after': next_after}


class Task:
    """GET /farm/v1/runs/{uuid}/tasks/{number}: one task with its log tail."""

    def on_get(self, req, resp, uuid, number):
        task = task_views.task_detail(req.context.principal, uuid.hex, number)
        resp.media = task_view(task, time.time(), detail=True)


class TaskCancel:
    """POST /farm/v1/runs/{uuid}/tasks/{number}/cancel: 409 when it has already finished."""

    def on_post(self, req, resp, uuid, number):
        principal = req.context.principal
        run_tasks.cancel_task(principal, uuid.hex, number)
        resp.media = task_view(task_views.task_detail(principal, uuid.hex, number), time.time())
