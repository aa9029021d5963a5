"""`farm run wait`: follow a run until it ends; the exit status says whether every task succeeded."""

# A terminal gets a live bar; a pipe or a batch log gets one plain line per --interval (and a
# last one), so a job's output file stays readable. Rate and ETA are the coordinator's (over
# its last five minutes), not guessed from this process's own polling.

import time

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import RUN_HELP, FarmError, connect, resolve

EXIT_TASKS_FAILED = 3
EXIT_TIMED_OUT = 124
ENDED = ('finished', 'cancelled')
# a restarted coordinator should not end a long wait: give it this long to come back
GIVE_UP_S = 300.0


def add_parser(actions, common) -> None:
    parser = actions.add_parser(
        'wait', parents=[common], help='wait for a run to end (exit 0: every task done)',
        description='Follow a run until no task is waiting or running: a progress bar on a '
                    'terminal, otherwise a line per --interval. Exit status 0 when every task is '
                    f'done, {EXIT_TASKS_FAILED} when any failed or was cancelled, '
                    f'{EXIT_TIMED_OUT} when --timeout ran out first.')
    parser.add_argument('run', metavar='RUN', help=RUN_HELP)
    parser.add_argument('--interval', type=float, default=10.0, metavar='SECONDS',
                        help='without a terminal, print progress this often (default %(default)g)')
    parser.add_argument('--poll', type=float, default=1.0, metavar='SECONDS',
                        help='ask the coordinator this often (default %(default)g)')
    parser.add_argument('--timeout', type=float, metavar='SECONDS',
                        help='stop waiting after this long')
    parser.set_defaults(handler=run)


def run(args, clock=time.monotonic, sleep=time.sleep) -> int:
    if args.poll <= 0 or args.interval <= 0:
        raise FarmError('--poll and --interval must be positive')
    api = connect(give_up_s=GIVE_UP_S)
    run_uuid = resolve(api, args.run)
    deadline = None if args.timeout is None else clock() + args.timeout
    out = output.console()
    if args.json:
        state = _follow(api, run_uuid, deadline, args.poll, clock, sleep, lambda run: None)
    elif out.is_terminal:
        with _bar(out) as bar:
            task = bar.add_task('', total=None, detail='')
            state = _follow(api, run_uuid, deadline, args.poll, clock, sleep,
                            lambda run: _update(bar, task, run))
    else:
        state = _follow(api, run_uuid, deadline, args.poll, clock, sleep,
                        _Lines(out, args.interval, clock))
    last, timed_out = state
    code = EXIT_TIMED_OUT if timed_out else exit_status(last)
    if args.json:
        output.print_json({'run': last, 'ended': not timed_out, 'ok': code == 0,
                           'exit_status': code})
    else:
        out.print(summary(last, timed_out))
    return code


def _follow(api, run_uuid, deadline, poll_s, clock, sleep, show) -> tuple[dict, bool]:
    """Poll until the run ends or the deadline passes: (its last state, whether time ran out)."""
    while True:
        last = api.run(run_uuid)
        show(last)
        if last['state'] in ENDED:
            return last, False
        if deadline is not None and clock() >= deadline:
            return last, True
        sleep(poll_s if deadline is None else max(0.0, min(poll_s, deadline - clock())))


def exit_status(run: dict) -> int:
    return 0 if run['done'] == run['num_tasks'] else EXIT_TASKS_FAILED


def progress_line(run: dict) -> str:
    return (f'run {readable.short(run["uuid"])}: {run["done"]}/{run["num_tasks"]} done, '
            f'{run["failed"]} failed, {run["cancelled"]} cancelled, {run["running"]} running, '
            f'{run["waiting"]} waiting, rate {readable.rate(run["rate_per_s"])}, '
            f'ETA {readable.duration(run["eta_s"])}')


def summary(run: dict, timed_out: bool) -> str:
    if timed_out:
        return f'Still going after --timeout: {progress_line(run)}'
    if exit_status(run) == 0:
        return (f'[green]Run {run["uuid"]} finished: all of its '
                f'{readable.counted(run["num_tasks"], "task")} done.[/]')
    ended = 'finished' if run['state'] == 'finished' else f'was {run["state"]}'
    counts = ', '.join([f'{run["done"]} done'] + [f'{run[key]} {key}' for key in
                                                  ('failed', 'cancelled') if run[key]])
    return (f'[red]Run {run["uuid"]} {ended}: {counts}.[/] '
            f'Details: farm run show {readable.short(run["uuid"])}')


class _Lines:
    """Plain progress lines: the first at once, then one per interval while anything changed."""

    def __init__(self, out, interval_s: float, clock):
        self._out, self._interval_s, self._clock = out, interval_s, clock
        self._next_at, self._last = 0.0, None

    def __call__(self, run: dict) -> None:
        now = self._clock()
        line = progress_line(run)
        if now >= self._next_at and line != self._last and run['state'] not in ENDED:
            self._out.print(line)
            self._next_at, self._last = now + self._interval_s, line


def _bar(out) -> Progress:
    return Progress(TextColumn('[bold]{task.description}'), BarColumn(), MofNCompleteColumn(),
                    TextColumn('{task.fields[detail]}'), console=out, transient=True)


def _update(bar: Progress, task, run: dict) -> None:
    ended = run['done'] + run['failed'] + run['cancelled']
    failed = f'[red]{run["failed"]} failed[/] ' if run['failed'] else ''
    detail = (f'{failed}{run["running"]} running  {readable.rate(run["rate_per_s"])}  '
              f'ETA {readable.duration(run["eta_s"])}')
    bar.update(task, description=f'run {readable.short(run["uuid"])}', total=run['num_tasks'],
               completed=ended, detail=detail)
