"""`farm job-types` and `farm job-type show|pause|resume NAME [VERSION]`: job types, steered."""

import argparse

from farmworker import readable, type_status
from farmworker.farm import jobs, output
from farmworker.farm.session import FarmError, connect
from farmworker.readable import job_type_state as state

VERSION_HELP = ('the version; may be left out when NAME has only one (else the versions are '
                'listed and nothing is done)')


def add_parsers(commands, common) -> None:
    listing = commands.add_parser(
        'job-types', parents=[common], help='list job types: state, running, queued, failures',
        description='List the job types of your project, every version of each, by name and '
                    'version: title, state (active, paused, or inactive when deprecated), its '
                    'tasks running and queued now, those done and failed in the last hours, '
                    'and its last failure. Tasks of every kind count: a run\'s tasks count '
                    'under its type (taskfarm-run unless it named one).')
    listing.add_argument('--all', action='store_true',
                         help='inactive (deprecated) versions too')
    listing.add_argument('--hours', type=int, default=3, metavar='N',
                         help='count tasks done and failed in the last N hours (default 3); '
                              'running and queued ones are counted whenever they started')
    listing.set_defaults(handler=list_types)

    one = commands.add_parser(
        'job-type', help='show, pause, resume or queue a job of a job type',
        description='Look at one job type, steer it, or queue a job of it. A paused type keeps '
                    'its queued tasks but no agent is given one until it is resumed; its '
                    'running tasks finish.',
        epilog='example:\n  farm job-type show tiler\n  farm job-type pause tiler 1.2.0\n'
               '  farm job-type resume tiler 1.2.0\n'
               '  farm job-type queue tiler 1.2.0 --input \'{"SCENE": "/data/s1.tif"}\'',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = one.add_subparsers(dest='action', required=True, metavar='ACTION')
    for action, text in (('show', 'its definition, policy and state'),
                         ('pause', 'stop handing out its tasks (queued ones keep waiting)'),
                         ('resume', 'hand out its tasks again')):
        parser = actions.add_parser(action, parents=[common], help=text,
                                    description=text[0].upper() + text[1:] + '.')
        parser.add_argument('name', metavar='NAME', help='the job type, as farm job-types lists it')
        parser.add_argument('version', metavar='VERSION', nargs='?', help=VERSION_HELP)
        parser.set_defaults(handler=show_type if action == 'show' else pause_or_resume)
    jobs.add_action(actions, common)


def list_types(args) -> int:
    if args.hours < 1:
        raise FarmError('--hours must be at least 1')
    reply = connect().job_type_status(is_active=None if args.all else True, hours=args.hours)
    if args.json:
        output.print_json(reply)
        return 0
    out = output.console()
    if not reply['results']:
        out.print('No job types.' if args.all else
                  'No active job types (farm job-types --all lists inactive ones too).')
        return 0
    grid = output.table('NAME', 'VERSION', 'TITLE', 'STATE', 'RUNNING', 'QUEUED', 'DONE',
                        'FAILED', 'LAST FAILURE',
                        title=f'Job types (done and failed: {type_status.window(reply)})')
    for row in reply['results']:
        job_type, counts = row['job_type'], type_status.totals(row)
        grid.add_row(output.escape(job_type['name']), output.escape(job_type['version']),
                     output.escape(job_type.get('title') or readable.NONE),
                     output.styled(state(job_type)), readable.number(counts.running),
                     readable.number(counts.queued), readable.number(counts.completed),
                     _red(counts.failed),
                     output.escape(type_status.last_failure(row, reply.get('now'))))
    out.print(grid)
    return 0


def _red(count: int) -> str:
    return f'[{readable.RED}]{count:,}[/]' if count else '0'


def chosen(api, name: str, version: str | None) -> dict:
    """The version of `name` the user means, as its list shows it; FarmError naming the
    versions there are when that is not clear."""
    versions = api.job_type_versions(name)['results']
    if not versions:
        raise FarmError(f'no job type {name} (farm job-types --all lists them)')
    names = ', '.join(found['version'] for found in versions)
    if version is None:
        if len(versions) == 1:
            return versions[0]
        raise FarmError(f'{name} has {len(versions)} versions ({names}): name one, as in '
                        f'farm job-type show {name} {versions[0]["version"]}')
    for found in versions:
        if found['version'] == version:
            return found
    raise FarmError(f'{name} has no version {version} (it has {names})')


def show_type(args) -> int:
    api = connect()
    found = chosen(api, args.name, args.version)
    detail = api.job_type(found['name'], found['version'])
    status = api.job_type_status()
    row = next((row for row in status['results'] if row['job_type']['id'] == detail['id']), None)
    if args.json:
        output.print_json({'job_type': detail, 'status': row,
                           'window': {'started': status['started'], 'ended': status['ended']}})
        return 0
    print_type(detail, row, status)
    return 0


def print_type(detail: dict, row: dict | None, status: dict) -> None:
    out = output.console()
    title = f'  "{output.escape(detail["title"])}"' if detail.get('title') else ''
    out.print(f'Job type [bold]{output.escape(detail["name"])} '
              f'{output.escape(detail["version"])}[/]{title}  {output.styled(state(detail))}')
    grid = output.table('', '')
    grid.show_header = False
    job = (detail.get('manifest') or {}).get('job') or {}
    command = (job.get('interface') or {}).get('command')
    paused = f', paused since {readable.local_time(detail["paused"])}' \
        if detail['is_paused'] and detail.get('paused') else ''
    cap = detail.get('max_scheduled')
    for label, value in (
            ('description', detail.get('description') or readable.NONE),
            ('state', state(detail) + paused + (', system type' if detail['is_system'] else '')),
            ('command', command or readable.NONE),
            ('image', detail.get('docker_image') or readable.NONE),
            ('policy', f'priority {detail["configuration"].get("priority", readable.NONE)}, '
                       f'max tries {detail["max_tries"]}, '
                       + ('any number running at once' if cap is None else
                          f'at most {cap:,} running at once')
                       + f', timeout {readable.duration(job.get("timeout"))}'),
            ('revision', f'{detail["revision_num"]}, created '
                         f'{readable.local_time(detail["created"])}, modified '
                         f'{readable.local_time(detail["last_modified"])}')):
        grid.add_row(label, output.escape(str(value)))
    if row is not None:  # defined after the status was read: none yet
        counts = type_status.totals(row)
        grid.add_row('tasks', f'{counts.running:,} running, {counts.queued:,} queued now')
        grid.add_row(type_status.window(status),
                     f'{counts.completed:,} done, {_red(counts.failed)} failed '
                     f'({output.escape(type_status.categories(counts.failed_by_category))}), '
                     f'{counts.cancelled:,} cancelled')
        grid.add_row('last failure',
                     output.escape(type_status.last_failure(row, status.get('now'))))
    out.print(grid)


def pause_or_resume(args) -> int:
    api = connect()
    found = chosen(api, args.name, args.version)
    pause = args.action == 'pause'
    label = f'{found["name"]} {found["version"]}'
    changed = found['is_paused'] != pause
    if changed:
        api.edit_job_type(found['name'], found['version'], {'is_paused': pause})
    after = api.job_type(found['name'], found['version'])
    if args.json:
        output.print_json({'action': args.action, 'changed': changed, 'job_type': after})
        return 0
    out = output.console()
    if not changed:
        out.print(f'Job type {output.escape(label)} was '
                  + ('already paused' if pause else 'not paused'))
    else:
        out.print(f'{"Paused" if pause else "Resumed"} job type {output.escape(label)}: '
                  + ('no agent is given its tasks until `farm job-type resume`' if pause else
                     'agents are given its tasks again'))
    if not after['is_active']:
        out.print(f'Note: {output.escape(label)} is inactive, so its tasks are not handed out '
                  'either way')
    return 0
