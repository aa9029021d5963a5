"""The IronWorker v2 family (/2/projects/{project_id}/): projects, code packages, tasks and
schedules.

One module per resource; `edge` resolves the project a request addresses (404 when
it is not the caller's) and reads pages, `ids` maps the store's ids to IronWorker's
24-hex ones, `uploads` reads a code upload and `views` writes the JSON.
`coordinator/openapi/ironworker/` documents each route in a module of the same name.
"""

import falcon

from coordinator.api import bodies
from coordinator.api.ironworker import codes, projects, schedules, tasks

_PROJECT = '/2/projects/{project_id}'
_CODE = _PROJECT + '/codes/{code_id}'
_TASK = _PROJECT + '/tasks/{task_id}'
_SCHEDULE = _PROJECT + '/schedules/{schedule_id}'


def add_routes(app: falcon.App, config) -> None:
    """Mount every route of the family under /2/."""
    optional_body = bodies.JsonObjectReader(config.max_body_bytes, optional=True)
    routes = {
        _PROJECT: projects.Project(),
        _PROJECT + '/codes': codes.Codes(config),
        _CODE: codes.CodePackage(),
        _CODE + '/download': codes.Download(config),
        _CODE + '/revisions': codes.Revisions(),
        _CODE + '/stats': codes.Stats(),
        _CODE + '/pause_task_queue': codes.QueuePause(paused=True),
        _CODE + '/resume_task_queue': codes.QueuePause(paused=False),
        _PROJECT + '/tasks': tasks.Tasks(config),
        _PROJECT + '/tasks/webhook': tasks.Webhook(config),
        _TASK: tasks.Task(),
        _TASK + '/log': tasks.Log(),
        _TASK + '/outlog': tasks.Log(),
        _TASK + '/cancel': tasks.Cancel(),
        _TASK + '/progress': tasks.Progress(optional_body),
        _TASK + '/retry': tasks.Retry(optional_body),
        _PROJECT + '/schedules': schedules.Schedules(config),
        _SCHEDULE: schedules.Schedule(config),
        _SCHEDULE + '/cancel': schedules.Cancel(),
    }
    for path, resource in routes.items():
        app.add_route(path, resource)
