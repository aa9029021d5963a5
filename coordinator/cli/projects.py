"""`farm-coordinator project add|list`: the projects users work in, with their IronWorker ids."""

from coordinator import schema
from coordinator.cli.terminal import when
from coordinator.store import projects


def add_parser(commands) -> None:
    project = commands.add_parser(
        'project', help='add and list projects').add_subparsers(
        dest='project_command', required=True, metavar='ACTION')
    add_project = project.add_parser(
        'add', help='add a project',
        description='Add a project with a fresh 24-hex id, the project_id IronWorker clients '
                    'name in iron.json. Users join it with `user add NAME --project PROJECT`.')
    add_project.add_argument('name')
    project.add_parser('list', help="list projects with their 24-hex ids and users")


def run(args, config) -> int:
    schema.upgrade()
    return ACTIONS[args.project_command](args)


def _add(args) -> int:
    added = projects.add_project(args.name)
    print(f'project {added.name} added: id {added.hex_id}')
    return 0


def _list(args) -> int:
    print(f'{"NAME":<24} {"ID":<24}  {"USERS":>5}  CREATED')
    for found in projects.list_projects():
        print(f'{found.name:<24} {found.hex_id:<24}  {found.users:>5}  {when(found.created_at)}')
    return 0


ACTIONS = {'add': _add, 'list': _list}
