"""A project (/2/projects/{project_id}): its id and name, as ironcli checks before each command."""

from coordinator.api.ironworker import edge
from coordinator.store import projects


class Project:
    def on_get(self, req, resp, project_id):
        _, project = projects.addressed(req.context.principal, project_id)
        resp.media = {'id': project.hex_id, 'name': project.name,
                      'created_at': edge.when(project.created_at)}
