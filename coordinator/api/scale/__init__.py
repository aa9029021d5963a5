"""The Scale v6 family (/v6/): job types, their versions and revisions, Seed manifests checked.

One module per resource, each with its responders; `views` writes them as JSON, `params`
reads Scale's query parameters and `manifests` checks what defines a type.
`coordinator/openapi/scale/` documents each route in a module of the same name. The
fixed paths under /v6/job-types/ (validation/ and the status views) take precedence
over a type's name, and no type may take one of those names.
"""

import falcon

from coordinator.api import bodies
from coordinator.api.scale import (job_types, jobs, names, params, revisions, status,
                                   validation)

_NAME = '/v6/job-types/{name:plain}/'
_TYPE = _NAME + '{version:plain}/'
MAX_REVISION = 2**31 - 1


def add_routes(app: falcon.App, config) -> None:
    """Mount every route of the family under /v6/."""
    app.router_options.converters['plain'] = params.PlainText
    body = bodies.JsonObjectReader(config.max_body_bytes)
    routes = {
        '/v6/job-types/': job_types.JobTypes(body),
        '/v6/job-type-names/': names.Names(),
        '/v6/job-types/validation/': validation.Validation(body),
        '/v6/job-types/status/': status.Status(),
        '/v6/job-types/pending/': status.Pending(),
        '/v6/job-types/running/': status.Running(),
        '/v6/job-types/system-failures/': status.SystemFailures(),
        _NAME: job_types.Versions(),
        _TYPE: job_types.Version(body),
        _TYPE + 'revisions/': revisions.Revisions(),
        _TYPE + 'jobs/': jobs.QueueJob(body),
        '/v6/jobs/': jobs.Jobs(),
        f'/v6/jobs/{{job_id:int(min=1, max={params.MAX_ID})}}/': jobs.Job(),
        _TYPE + f'revisions/{{revision_num:int(min=1, max={MAX_REVISION})}}/':
            revisions.Revision(),
    }
    for path, resource in routes.items():
        app.add_route(path, resource)
