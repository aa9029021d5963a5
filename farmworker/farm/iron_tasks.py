"""`farm iron-tasks [CODE]`: IronWorker tasks, by code package and status, with their ids."""

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import FarmError, connect

STATUSES = ('queued', 'running', 'complete', 'error', 'cancelled', 'killed', 'timeout')
DESCRIPTION = """\
List the IronWorker tasks of your project, newest first: each with its 24-hex id
(as the IronWorker clients show it), code package and revision, status, priority,
age and run time. A code package is a job type of version `ironworker`, so its
queued tasks are also counted by `farm queue` and `farm job-types`; cancel one
with `farm task cancel ID`.
"""


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('iron-tasks', parents=[common],
                                 help='IronWorker tasks, by code package and status',
                                 description=DESCRIPTION)
    parser.add_argument('code', metavar='CODE', nargs='?',
                        help='only the tasks of this code package')
    parser.add_argument('--status', choices=STATUSES, help='only the tasks in this status')
    parser.add_argument('--limit', type=int, default=50, metavar='N',
                        help='at most N tasks (default 50, at most 1000)')
    parser.set_defaults(handler=list_iron_tasks)


def list_iron_tasks(args) -> int:
    if not 1 <= args.limit <= 1000:
        raise FarmError('--limit must be between 1 and 1000')
    reply = connect().iron_tasks(args.code, args.status, args.limit)
    if args.json:
        output.print_json(reply)
        return 0
    out = output.console()
    if not reply['tasks']:
        which = ' '.join(filter(None, (args.status, args.code)))
        out.print(f'No {which + " " if which else ""}IronWorker tasks.')
        return 0
    grid = output.table('ID', 'CODE', 'REV', 'STATUS', 'PRIORITY', 'CREATED', 'DURATION',
                        'MESSAGE')
    for task in reply['tasks']:
        grid.add_row(task['id'], output.escape(task['code_name']),
                     readable.number(task['code_rev']), output.styled(task['status']),
                     str(task['priority']), output.ago(task['created_at'], reply['now']),
                     readable.duration(task['duration_s']),
                     output.escape(task['msg'] or task['label'] or readable.NONE))
    out.print(grid)
    return 0
