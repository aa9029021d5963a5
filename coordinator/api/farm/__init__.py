"""The /farm/v1 family: the farmworker agents' protocol, and runs, tasks and workers for people.

One module per resource, each with its responders; `views` writes them as JSON.
`coordinator/openapi/farm/` documents each route in a module of the same name.
"""

import falcon

from coordinator import allocator
from coordinator.api import bodies
from coordinator.api.farm import (allocations, claims, explain, iron_tasks, overview, queue, runs,
                                  schedules, serve, tasks, tokens, workers)

_RUN = '/farm/v1/runs/{uuid:uuid}'
_TASK = _RUN + '/tasks/{number:int(min=0)}'
_ALLOCATION = '/farm/v1/allocations/{queue}'


def add_routes(app: falcon.App, config) -> None:
    """Mount every route of the family under /farm/v1/."""
    body = bodies.JsonObjectReader(config.max_body_bytes)
    routes = {
        '/farm/v1/runs': runs.Runs(bodies.JsonObjectReader(config.max_run_body_bytes)),
        _RUN: runs.Run(),
        # no body means all=false
        _RUN + '/restart': runs.RunRestart(bodies.JsonObjectReader(config.max_body_bytes,
                                                                   optional=True)),
        _RUN + '/cancel': runs.RunCancel(),
        _RUN + '/claim': claims.Claim(body),
        _RUN + '/results': claims.Results(body),
        _RUN + '/tasks': tasks.Tasks(),
        _TASK: tasks.Task(),
        _TASK + '/cancel': tasks.TaskCancel(),
        _TASK + '/explain': explain.RunTaskExplain(),
        '/farm/v1/tasks/{task_id:int(min=1, max=2147483647)}/explain': explain.TaskExplain(),
        '/farm/v1/tasks/{task_id:int(min=1, max=2147483647)}/log':
            serve.TaskLog(config.max_log_bytes),
        '/farm/v1/iron-tasks': iron_tasks.IronTasks(),
        '/farm/v1/iron-tasks/{iron_id}/cancel': iron_tasks.IronTaskCancel(),
        '/farm/v1/claim': serve.Claim(body, config.max_log_bytes),
        '/farm/v1/results': serve.Results(body),
        '/farm/v1/revisions/{revision_id:int(min=1, max=2147483647)}/code':
            serve.RevisionCode(config.data_dir),
        '/farm/v1/workers': workers.Workers(body, config.worker_ttl_s),
        '/farm/v1/workers/{uuid}/heartbeat': workers.Heartbeat(body),
        '/farm/v1/workers/{uuid}/tasks': workers.HeldTasks(),
        '/farm/v1/workers/{uuid}/stop': workers.Stop(body),
        '/farm/v1/overview': overview.Overview(),
        '/farm/v1/queue': queue.Queue(),
        '/farm/v1/schedules': schedules.Schedules(),
        '/farm/v1/tokens': tokens.Tokens(body),
        '/farm/v1/allocations': allocations.Allocations(body),
        _ALLOCATION: allocations.Allocation(body, allocator.canceller(config)),
        _ALLOCATION + '/jobs': allocations.AllocationJobs(),
    }
    for path, resource in routes.items():
        app.add_route(path, resource)
