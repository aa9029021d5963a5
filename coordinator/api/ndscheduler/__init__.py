"""The ndscheduler family (/api/v1/): cron jobs, their executions and audit logs, as ndscheduler
serves them.

One module per resource, each with its responders; `views` writes them as ndscheduler's
JSON and `params` reads its time ranges. `coordinator/openapi/ndscheduler/` documents
each route in a module of the same name. Errors are {"error": ...}, and an unknown id is
400, as on ndscheduler (coordinator.api.errors translates them once for the family).
"""

import falcon

from coordinator.api import bodies
from coordinator.api.ndscheduler import executions, jobs, logs


def add_routes(app: falcon.App, config) -> None:
    """Mount every route of the family under /api/v1/."""
    body = bodies.JsonObjectReader(config.max_body_bytes)
    app.add_route('/api/v1/jobs', jobs.Jobs(body))
    app.add_route('/api/v1/jobs/{job_id}', jobs.Job(body))
    app.add_route('/api/v1/executions', executions.Executions())
    app.add_route('/api/v1/executions/{execution_id}', executions.Execution())
    app.add_route('/api/v1/logs', logs.Logs())
