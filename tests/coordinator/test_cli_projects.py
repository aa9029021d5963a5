"""`farm-coordinator project add` and `project list`: projects with IronWorker's 24-hex ids."""

import re

from coordinator.models import JobType, Project
from coordinator.store import projects
from tests.coordinator.test_cli_users import coordinator_cli  # noqa: F401 (a fixture)


def test_a_project_added_gets_a_24_hex_id_and_its_run_type(coordinator_cli):  # noqa: F811
    code, out, _ = coordinator_cli('project', 'add', 'physics')
    added = Project.get(Project.name == 'physics')
    assert code == 0 and out == f'project physics added: id {added.hex_id}\n'
    assert re.fullmatch(r'[0-9a-f]{24}', added.hex_id)
    assert JobType.select().where(JobType.project == added, JobType.is_system).count() == 1


def test_projects_are_listed_with_their_ids_and_users(coordinator_cli):  # noqa: F811
    coordinator_cli('project', 'add', 'physics')
    coordinator_cli('user', 'add', 'carol', '--project', 'physics')
    code, out, _ = coordinator_cli('project', 'list')
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ['NAME', 'ID', 'USERS', 'CREATED']
    listed = {line.split()[0]: line.split()[1:3] for line in lines[1:]}
    by_name = {found.name: found for found in projects.list_projects()}
    assert listed == {'default': [by_name['default'].hex_id, '0'],
                      'physics': [by_name['physics'].hex_id, '1']}


def test_a_project_cannot_be_added_twice_or_with_a_bad_name(coordinator_cli):  # noqa: F811
    coordinator_cli('project', 'add', 'physics')
    code, _, err = coordinator_cli('project', 'add', 'physics')
    assert code == 1 and "project 'physics' already exists" in err
    code, _, err = coordinator_cli('project', 'add', 'no spaces')
    assert code == 1 and 'use 1-64 letters' in err
