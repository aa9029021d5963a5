"""Projects: add and list them, and find the one a caller addresses by its 24-hex id."""

import dataclasses
import re

from coordinator.db import database, run_sql
from coordinator.errors import Conflict, InvalidInput, NotFound
from coordinator.models import Project
from coordinator.store import audit, job_types
from coordinator.store.access import Principal

_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}')  # as a user's project is named
_HEX_ID = re.compile(r'[0-9a-f]{24}')


@dataclasses.dataclass(frozen=True, slots=True)
class ProjectView:
    id: int
    name: str
    hex_id: str
    users: int | None  # None where not counted
    created_at: float


def add_project(name: str) -> ProjectView:
    """Create the project `name` with a fresh 24-hex id; Conflict when it exists."""
    if not _NAME.fullmatch(name):
        raise InvalidInput(f'project name {name!r}: use 1-64 letters, digits and _.@- ')
    with database.write():
        if Project.select().where(Project.name == name).exists():
            raise Conflict(f'project {name!r} already exists')
        project = Project.create(name=name)
        job_types.run_type_id(project.id)  # every project has one, as `init` gives the default
        audit.record(None, 'project.add', 'project', project.id, project_id=project.id,
                     name=name)
    return ProjectView(project.id, project.name, project.hex_id, 0, project.created_at)


def list_projects() -> list[ProjectView]:
    """Every project, by name, with how many users belong to it."""
    rows = run_sql('SELECT p.id, p.name, p.hex_id, '
                   '(SELECT COUNT(*) FROM "user" u WHERE u.project_id = p.id), p.created_at '
                   'FROM project p ORDER BY p.name').fetchall()
    return [ProjectView(*row) for row in rows]


def addressed(principal: Principal, hex_id: str) -> tuple[Principal, ProjectView]:
    """The caller acting in the project `hex_id`, and that project: NotFound, not Forbidden,
    when it is not the caller's (an admin reaches every one), so ids of others' projects
    reveal nothing."""
    row = None
    if _HEX_ID.fullmatch(hex_id):
        row = run_sql('SELECT p.id, p.name, p.hex_id, NULL, p.created_at FROM project p '
                      'WHERE p.hex_id = ?', (hex_id,)).fetchone()
    if row is None or row[0] != principal.project_id and not principal.is_admin:
        raise NotFound(f'no project {hex_id[:40]}')
    return dataclasses.replace(principal, project_id=row[0]), ProjectView(*row)
