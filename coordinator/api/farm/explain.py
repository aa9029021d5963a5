"""Why is it waiting? (/farm/v1/tasks/{id}/explain, /farm/v1/runs/{uuid}/tasks/{number}/explain)."""

from coordinator.store import explain


def waiting_view(waiting: explain.Waiting) -> dict:
    return {'status': waiting.status, 'waiting': waiting.status == 'queued',
            'reasons': waiting.reasons, 'ahead': waiting.ahead}


class TaskExplain:
    """GET /farm/v1/tasks/{task_id}/explain: any task of the project, by id."""

    def on_get(self, req, resp, task_id):
        resp.media = waiting_view(explain.for_task(req.context.principal, task_id))


class RunTaskExplain:
    """GET /farm/v1/runs/{uuid}/tasks/{number}/explain: a run's task, by number."""

    def on_get(self, req, resp, uuid, number):
        resp.media = waiting_view(explain.for_run_task(req.context.principal, uuid.hex, number))
