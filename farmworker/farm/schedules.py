"""`farm schedules` and `farm schedule pause|resume|delete ID`: schedules, steered."""

from farmworker import readable, schedule_rows
from farmworker.farm import output
from farmworker.farm.session import FarmError, connect

DESCRIPTION = """\
List the schedules of your project, of every API family (ndscheduler's cron jobs;
IronWorker's schedules), the next to fire first, paused and finished ones last:
what each queues, when it fires (its cron fields, in its time zone, or its
interval), when it fired last and how that firing went.
"""
ACTIONS = {'pause': ('stop firing it (a firing in progress goes on)', 'pause_cron_job'),
           'resume': ('fire it again from its next fire time', 'resume_cron_job'),
           'delete': ('delete it; what it queued stays', 'delete_cron_job')}


def add_parsers(commands, common) -> None:
    listing = commands.add_parser('schedules', parents=[common],
                                  help='schedules of every family: when each fires next',
                                  description=DESCRIPTION)
    listing.set_defaults(handler=list_schedules)
    one = commands.add_parser('schedule', help='pause, resume or delete a schedule',
                              description='Steer one schedule, named by its id or the first '
                                          'characters of it, as farm schedules shows it.')
    actions = one.add_subparsers(dest='action', required=True, metavar='ACTION')
    for action, (text, _) in ACTIONS.items():
        parser = actions.add_parser(action, parents=[common], help=text,
                                    description=text[0].upper() + text[1:] + '.')
        parser.add_argument('id', metavar='ID', help='the schedule, or the start of its id')
        parser.set_defaults(handler=steer)


def list_schedules(args) -> int:
    reply = connect().schedules()
    if args.json:
        output.print_json(reply)
        return 0
    out = output.console()
    if not reply['schedules']:
        out.print('No schedules.')
        return 0
    grid = output.table('ID', 'NAME', 'FAMILY', 'JOB TYPE', 'WHEN', 'NEXT', 'LAST', 'LAST STATE',
                        'RUNS', title=f'{readable.counted(len(reply["schedules"]), "schedule")}')
    for row in reply['schedules']:
        grid.add_row(readable.short(row['id']), output.escape(row['name'] or readable.NONE),
                     row['family'], output.escape(row['job_type'] or readable.NONE),
                     output.escape(schedule_rows.when(row)),
                     schedule_rows.next_fire(row, reply['now']),
                     output.ago(row['last_fire_at'], reply['now']),
                     output.styled(row['last_state']), readable.number(row['run_count']))
    out.print(grid)
    return 0


def steer(args) -> int:
    api = connect()
    row = _chosen(api.schedules()['schedules'], args.id)
    if row['family'] != 'ndscheduler':
        raise FarmError(f'a {row["family"]} schedule is steered through its own API')
    getattr(api, ACTIONS[args.action][1])(row['id'])
    facts = {'action': args.action, 'schedule': row['id'], 'name': row['name']}
    if args.json:
        output.print_json(facts)
    else:
        done = {'pause': 'paused', 'resume': 'resumed', 'delete': 'deleted'}[args.action]
        output.console().print(f'schedule {row["id"]} ({output.escape(row["name"] or "")}) {done}')
    return 0


def _chosen(rows: list[dict], prefix: str) -> dict:
    """The schedule whose id is `prefix` or starts with it; FarmError when none or several."""
    found = [row for row in rows if row['id'] == prefix] or \
        [row for row in rows if row['id'].startswith(prefix)]
    if not found:
        raise FarmError(f'no schedule {prefix} (farm schedules lists them)')
    if len(found) > 1:
        raise FarmError(f'{prefix} is the start of {len(found)} schedules: give more of it')
    return found[0]
