"""`farm schedules` and `farm schedule add|show|run|pause|resume|delete`: schedules, steered."""

import argparse
import json

from farmworker import readable, schedule_rows
from farmworker.farm import output
from farmworker.farm.session import FarmError, connect

DESCRIPTION = """\
List the schedules of your project, of every API family (ndscheduler's cron jobs;
IronWorker's schedules), the next to fire first, paused and finished ones last:
what each queues, when it fires (its cron fields, in its time zone, or its
interval), when it fired last and how that firing went.
"""
ACTIONS = {'run': ('queue an execution of it now, whatever its schedule', 'run_cron_job'),
           'pause': ('stop firing it (a firing in progress goes on)', 'pause_cron_job'),
           'resume': ('fire it again from its next fire time', 'resume_cron_job'),
           'delete': ('delete it; what it queued stays', 'delete_cron_job')}
CRON_FIELDS = ('month', 'day', 'day_of_week', 'hour', 'minute')
ADD_EPILOG = """\
The cron fields mean what they mean to APScheduler (ndscheduler's scheduler):
the fields more significant than the least significant one given are '*', the
less significant ones their minimum, and day_of_week counts from mon = 0.

example:
  farm schedule add nightly --class mylab.jobs.Backup --hour 2 --args '["/data"]'
  farm schedule add poll --class farmworker.job_classes.ShellJob --minute '*/5' \\
      --args '["/usr/bin/env", "python3", "/home/me/poll.py"]'

A run of tasks every night at 02:00 (the coordinator creates it when the job fires;
the keyword arguments are the fields of a run, as `farm submit` sends them):
  farm schedule add sweep --class farmworker.job_classes.TaskfarmRunJob --hour 2 \\
      --kwargs '{"num_tasks": 100, "command": ["./simulate", "{task}"]}'
"""


def add_parsers(commands, common) -> None:
    listing = commands.add_parser('schedules', parents=[common],
                                  help='schedules of every family: when each fires next',
                                  description=DESCRIPTION)
    listing.set_defaults(handler=list_schedules)
    one = commands.add_parser('schedule', help='add, show, run, pause, resume or delete a schedule',
                              description='Add an ndscheduler cron job, or look at or steer one '
                                          'schedule, named by its id or the first characters '
                                          'of it, as farm schedules shows it.')
    actions = one.add_subparsers(dest='action', required=True, metavar='ACTION')
    add = actions.add_parser('add', parents=[common], help='add a cron job',
                             description='Add a cron job of your project: each time it fires, '
                                         "an execution of its job class is queued for serve "
                                         'agents (farmworker job-class runs it).',
                             epilog=ADD_EPILOG,
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add.add_argument('name', metavar='NAME', help='what to call it')
    add.add_argument('--class', dest='job_class', required=True, metavar='CLASS',
                     help='a job class by its dotted path (importable where agents run), or a '
                          "job type's name")
    for field in CRON_FIELDS:
        add.add_argument(f'--{field.replace("_", "-")}', dest=field, metavar='CRON',
                         help=f'the cron {field.replace("_", " ")} field')
    add.add_argument('--timezone', help='its time zone, e.g. Europe/Oslo (default UTC)')
    add.add_argument('--args', type=_json_list, default=None, metavar='JSON',
                     help='the positional arguments of run(), a JSON list')
    add.add_argument('--kwargs', type=_json_object, default=None, metavar='JSON',
                     help='the keyword arguments of run(), a JSON object (of TaskfarmRunJob: '
                          'the run\'s num_tasks, command, max_tries, ...)')
    add.set_defaults(handler=add_schedule)
    show = actions.add_parser('show', parents=[common], help='its definition and next fire',
                              description='Its definition and when it fires next.')
    show.add_argument('id', metavar='ID', help='the schedule, or the start of its id')
    show.set_defaults(handler=show_schedule)
    for action, (text, _) in ACTIONS.items():
        parser = actions.add_parser(action, parents=[common], help=text,
                                    description=text[0].upper() + text[1:] + '.')
        parser.add_argument('id', metavar='ID', help='the schedule, or the start of its id')
        parser.set_defaults(handler=steer)


_JSON_NAMES = {list: 'list', dict: 'object'}


def _json(text: str, kind: type, example: str):
    """`text` as JSON of `kind`, or an argparse error naming the kind by its JSON name."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f'not JSON: {exc}') from None
    if not isinstance(value, kind):
        raise argparse.ArgumentTypeError(f'must be a JSON {_JSON_NAMES[kind]}, e.g. {example}')
    return value


def _json_list(text: str) -> list:
    return _json(text, list, '["a", 2]')


def _json_object(text: str) -> dict:
    value = _json(text, dict, '{"num_tasks": 10}')
    taken = sorted(set(value) & {'name', 'job_class_string', 'pub_args', 'timezone',
                                 *CRON_FIELDS})
    if taken:
        raise argparse.ArgumentTypeError(f'{", ".join(taken)}: give these with their own '
                                         'options, not as keyword arguments')
    return value


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


def add_schedule(args) -> int:
    fields = {field: getattr(args, field) for field in CRON_FIELDS
              if getattr(args, field) is not None}
    if not fields:
        raise FarmError('give at least one cron field: --month, --day, --day-of-week, --hour '
                        'or --minute')
    job = {**(args.kwargs or {}), 'name': args.name, 'job_class_string': args.job_class,
           **fields}
    if args.timezone:
        job['timezone'] = args.timezone
    if args.args is not None:
        job['pub_args'] = args.args
    api = connect()
    job_id = api.add_cron_job(job)['job_id']
    added = api.cron_job(job_id)
    if args.json:
        output.print_json(added)
    else:
        output.console().print(f'schedule {job_id} ({output.escape(args.name)}) added; it fires '
                               f'next at {readable.clock(added["next_run_time"])}')
    return 0


def show_schedule(args) -> int:
    api = connect()
    reply = api.schedules()
    row = _chosen(reply['schedules'], args.id)
    if args.json:
        output.print_json(row)
        return 0
    grid = output.table('', '')
    grid.show_header = False
    for label, value in (('id', row['id']), ('family', row['family']),
                         ('job type', row['job_type'] or readable.NONE),
                         ('when', schedule_rows.when(row)),
                         ('next', schedule_rows.next_fire(row, reply['now'])),
                         ('last fired', output.ago(row['last_fire_at'], reply['now'])),
                         ('last state', output.styled(row['last_state'])),
                         ('fired', readable.number(row['run_count']))):
        grid.add_row(label, value if label == 'last state' else output.escape(value))
    out = output.console()
    out.print(f'Schedule [bold]{output.escape(row["name"] or row["id"])}[/]')
    out.print(grid)
    return 0


def steer(args) -> int:
    api = connect()
    row = _chosen(api.schedules()['schedules'], args.id)
    if row['family'] != 'ndscheduler':
        raise FarmError(f'a {row["family"]} schedule is steered through its own API')
    reply = getattr(api, ACTIONS[args.action][1])(row['id'])
    facts = {'action': args.action, 'schedule': row['id'], 'name': row['name'], **(
        {'execution_id': reply['execution_id']} if args.action == 'run' else {})}
    if args.json:
        output.print_json(facts)
    else:
        done = {'run': f'queued as execution {facts.get("execution_id")}', 'pause': 'paused',
                'resume': 'resumed', 'delete': 'deleted'}[args.action]
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
