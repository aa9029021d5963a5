"""OpenAPI paths of a project (/2/projects/{project_id})."""

from coordinator.openapi.helpers import operation, ref, response
from coordinator.openapi.ironworker.views import NO_PROJECT, PROJECT_ID

PATHS = {
    '/2/projects/{project_id}': {'get': operation(
        'A project of yours: its id and name (ironcli checks it before each command)',
        {200: response('the project', ref('IronProject')), 404: NO_PROJECT},
        parameters=[PROJECT_ID])},
}
