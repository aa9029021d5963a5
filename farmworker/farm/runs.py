"""`farm runs` and `farm run show|wait|cancel|restart|delete`: the runs, one run, acting on one."""

import sys

from farmworker import readable
from farmworker.farm import output, wait
from farmworker.farm.session import RUN_HELP, FarmError, connect, resolve

FAILURES_SHOWN = 20


def add_parsers(commands, common) -> None:
    listing = commands.add_parser('runs', parents=[common], help='list runs with their progress',
                                  description='List runs, newest first, with their progress.')
    listing.add_argument('--state', choices=('active', 'finished', 'all'), default='active',
                         help='active: waiting or running (default); finished: finished or '
                              'cancelled')
    listing.add_argument('--limit', type=int, default=50, help='at most this many (default 50)')
    listing.set_defaults(handler=list_runs)

    one = commands.add_parser('run', help='show, wait for, cancel, restart or delete a run',
                              description='Look at one run or act on it. RUN is its uuid, the '
                                          'first characters of it, or last (the newest run).')
    actions = one.add_subparsers(dest='action', required=True, metavar='ACTION')
    show = actions.add_parser('show', parents=[common], help='counts, rate, ETA and failures',
                              description='Counts, rate, ETA, policy and the failed tasks with '
                                          'their exit codes.')
    show.add_argument('run', metavar='RUN', help=RUN_HELP)
    show.add_argument('--failures', type=int, default=FAILURES_SHOWN, metavar='N',
                      help='list at most N failed tasks (default %(default)s)')
    show.set_defaults(handler=show_run)
    wait.add_parser(actions, common)
    for action, text in (('cancel', 'cancel waiting and running tasks (agents kill them)'),
                         ('restart', 'queue every task not done again, with fresh tries '
                                     '(--all: done ones too)'),
                         ('delete', 'delete the run and its tasks')):
        parser = actions.add_parser(action, parents=[common], help=text,
                                    description=text[0].upper() + text[1:] + '.')
        parser.add_argument('run', metavar='RUN', help=RUN_HELP)
        parser.add_argument('--yes', '-y', action='store_true',
                            help='do not ask for confirmation (needed without a terminal)')
        if action == 'restart':
            parser.add_argument('--all', action='store_true',
                                help='every task, done ones too')
        parser.set_defaults(handler=manage)


def list_runs(args) -> int:
    if args.limit < 1:
        raise FarmError('--limit must be at least 1')
    reply = connect().runs(state=args.state, limit=args.limit)

    def row(run):
        if run is None:
            return ('ID', 'NAME', 'STATE', 'DONE', 'FAILED', 'RUNNING', 'WAITING', '%', 'RATE',
                    'ETA', 'CREATED')
        return (readable.short(run['uuid']), output.escape(run.get('name') or readable.NONE),
                output.styled(run['state']), f'{run["done"]}/{run["num_tasks"]}',
                _red(run['failed']), str(run['running']), str(run['waiting']),
                f'{run["percent_done"]:.0f}', readable.rate(run['rate_per_s']),
                readable.duration(run['eta_s']), output.ago(run['created_at'], reply['now']))

    output.print_listing(args, reply, 'runs', 'farm runs', row)
    return 0


def show_run(args) -> int:
    api = connect()
    run = api.run(resolve(api, args.run))
    failures = list(api.each_task(run['uuid'], 'failed', limit=max(0, args.failures))) \
        if run['failed'] and args.failures > 0 else []
    facts = {'run': run, 'failures': failures}
    if args.json:
        output.print_json(facts)
    else:
        print_run(run, failures)
    return 0


def print_run(run: dict, failures: list[dict]) -> None:
    out = output.console()
    name = f'  "{output.escape(run["name"])}"' if run.get('name') else ''
    out.print(f'Run [bold]{run["uuid"]}[/]{name}  {output.styled(run["state"])}')
    grid = output.table('', '')
    grid.show_header = False
    grid.add_row('command', output.escape(output.command_line(run.get('command')))
                 + ('  (one input line per task)' if run.get('has_inputs') else ''))
    grid.add_row('tasks', f'{run["num_tasks"]}: {run["done"]} done, {_red(run["failed"])} failed, '
                          f'{run["cancelled"]} cancelled, {run["running"]} running, '
                          f'{run["waiting"]} waiting ({run["percent_done"]:.1f}% done)')
    grid.add_row('rate', f'{readable.rate(run["rate_per_s"])}   '
                         f'ETA {readable.duration(run["eta_s"])}')
    grid.add_row('workers', _workers(run))
    grid.add_row('times', f'created {readable.local_time(run["created_at"])}, started '
                          f'{readable.local_time(run["started_at"])}, finished '
                          f'{readable.local_time(run["finished_at"])}')
    grid.add_row('policy', f'max tries {run["max_tries"]}, retry delay '
                           f'{readable.duration(run["retry_delay_s"])}, task timeout '
                           f'{readable.duration(run["task_timeout_s"])}, expected duration '
                           f'{readable.duration(run["expected_duration_s"])}')
    out.print(grid)
    if failures:
        print_failures(out, failures, run['failed'], run['uuid'])


def print_failures(out, failures: list[dict], failed: int, run_uuid: str) -> None:
    grid = output.table('TASK', 'EXIT', 'ATTEMPT', 'HOST', 'ENDED', 'MESSAGE',
                        title=f'Failed tasks ({failed}):')
    for task in failures:
        exit_code = task.get('exit_code')
        grid.add_row(str(task['number']), readable.NONE if exit_code is None else str(exit_code),
                     str(task['attempt']), output.escape(task.get('hostname') or readable.NONE),
                     readable.local_time(task.get('ended_at')),
                     output.escape(task.get('msg') or ''))
    out.print(grid)
    if failed > len(failures):
        out.print(f'... and {failed - len(failures)} more (farm run show --failures N)')
    out.print(f'Logs: farm log {readable.short(run_uuid)} TASK')


def manage(args) -> int:
    api = connect()
    run = api.run(resolve(api, args.run))
    confirm(_question(args, run), args.yes)
    if args.action == 'cancel':
        facts = {'action': 'cancel', 'run': api.cancel_run(run['uuid'])}
    elif args.action == 'restart':
        facts = {'action': 'restart', 'all': args.all, 'run': api.restart_run(run['uuid'], args.all)}
    else:
        api.delete_run(run['uuid'])
        facts = {'action': 'delete', 'run': {'uuid': run['uuid']}, 'deleted': True}
    if args.json:
        output.print_json(facts)
        return 0
    after = facts['run']
    done = {'cancel': 'Cancelled', 'restart': 'Restarted', 'delete': 'Deleted'}[args.action]
    counts = '' if args.action == 'delete' else (
        f': {after["waiting"]} waiting, {after["running"]} running, {after["done"]} done, '
        f'{after["failed"]} failed, {after["cancelled"]} cancelled')
    out = output.console()
    out.print(f'{done} run {run["uuid"]}{counts}')
    if args.action == 'restart' and run['state'] in ('finished', 'cancelled'):
        # agents leave once a run is over, so a run restarted after that has none
        out.print(f'Its tasks need workers: farmworker run --run {run["uuid"]} (or farmworker '
                  'submit), or farm submit for a new run.')
    return 0


def _question(args, run: dict) -> str:
    label = run['uuid'] + (f' "{run["name"]}"' if run.get('name') else '')
    if args.action == 'cancel':
        return (f'Cancel run {label}? Its waiting and running tasks ({run["waiting"]} waiting, '
                f'{run["running"]} running) will be cancelled')
    if args.action == 'restart':
        which = 'ALL its tasks, done ones too,' if args.all else (
            f'its {readable.counted(run["num_tasks"] - run["done"], "task")} not done '
            f'({run["failed"]} failed, {run["cancelled"]} cancelled, {run["running"]} running)')
        return f'Restart run {label}? {which} will be queued again with fresh tries'
    return (f'Delete run {label} with its {readable.counted(run["num_tasks"], "task")} and their '
            'results?')


def confirm(question: str, yes: bool) -> None:
    """Go on only if the user says yes; without a terminal, only with --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise FarmError('this asks for confirmation and there is no terminal: add --yes')
    answer = input(f'{question} [y/N] ').strip().lower()
    if answer not in ('y', 'yes'):
        raise FarmError('nothing done')


def _red(count: int) -> str:
    return f'[red]{count}[/]' if count else str(count)


def _workers(run: dict) -> str:
    """How many workers run it, their walltime, and a warning when the ETA lies beyond it."""
    count = run.get('workers', 0)
    text = f'{count} running its tasks'
    left, eta = run.get('walltime_left_s'), run.get('eta_s')
    if left is not None:
        text += f', walltime {readable.duration(left)} left'
        if eta is not None and eta > left:
            text += ': the ETA lies beyond it, start more workers'
    elif count == 0 and run['waiting']:
        text += ': start workers (farm submit --local N or --nodes N --time T)'
    return text
