"""`farm task RUN N` (status, attempts, worker, exit code), `farm task explain` (why it waits),
`farm task cancel` (a run's task, or an IronWorker task by its id) and `farm log RUN N` (the
log tail)."""

import re
import sys

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import RUN_HELP, FarmError, connect, resolve

LOG_LINES_IN_TASK = 10
IRON_ID = re.compile(r'[0-9a-f]{24}')  # an IronWorker task's id
USAGE = ('farm task [-h] [--json] RUN N | explain RUN N | explain ID | cancel RUN N | '
         'cancel IRON_ID')
# whose failure a failed task's error category says it was
CATEGORIES = {
    'ALGORITHM': "the task's own failure: it exited non-zero",
    'SYSTEM': "not the task's own: killed at its timeout, its worker lost, or its exit unknown",
}
_MEANINGS = '; '.join(f'{name}, {meaning}' for name, meaning in CATEGORIES.items())


def add_parsers(commands, common) -> None:
    task = commands.add_parser('task', parents=[common],
                               usage=USAGE,
                               help="one task's status and last log lines, or why it waits",
                               description='Status, attempts, worker, exit code and the last log '
                                           'lines of task N of RUN. The error category of a '
                                           f'failed task says whose failure it was: {_MEANINGS}. '
                                           '`farm task explain RUN N` (or ID, a queued job\'s '
                                           'task id) says why a waiting task is not handed out: '
                                           'its job type paused, inactive or at max_scheduled, '
                                           'a retry delay, no live agent serving it, or no '
                                           'agent with the walltime left to run it. '
                                           '`farm task cancel RUN N` cancels a run\'s task, '
                                           '`farm task cancel IRON_ID` an IronWorker task (its '
                                           '24-hex id, as `farm iron-tasks` lists it): queued, '
                                           'it is never handed out; running, its agent stops it '
                                           'at its next heartbeat.')
    task.add_argument('words', nargs='+', metavar='RUN N | explain ... | cancel ...',
                      help=f'{RUN_HELP}; N: the task number; ID: a task id; IRON_ID: an '
                           'IronWorker task\'s 24-hex id')
    task.set_defaults(handler=_task_command)
    log = commands.add_parser('log', parents=[common], help="the tail of one task's log",
                              description='Print the tail of the log of task N of RUN, as the '
                                          'coordinator keeps it (the whole log is on the node, '
                                          'under the agent\'s --log-dir).')
    log.add_argument('run', metavar='RUN', help=RUN_HELP)
    log.add_argument('number', type=int, metavar='N', help='the task number')
    log.add_argument('--lines', '-n', type=int, metavar='K', help='only the last K lines')
    log.set_defaults(handler=show_log)


def _task_command(args) -> int:
    words = args.words
    if words[0] == 'explain' and len(words) in (2, 3):
        return explain_task(args, words[1] if len(words) == 3 else None, words[-1])
    if words[0] == 'cancel' and len(words) in (2, 3):
        return cancel_task(args, words[1:])
    if len(words) != 2:
        raise FarmError('give RUN N, explain RUN N, explain ID, cancel RUN N or cancel IRON_ID '
                        '(see farm task --help)')
    args.run, args.number = words[0], _number(words[1], 'N')
    return show_task(args)


def _number(word: str, name: str) -> int:
    try:
        number = int(word)
    except ValueError:
        raise FarmError(f'{name} must be a whole number, not {word!r}') from None
    if number < 0:
        raise FarmError(f'{name} must not be negative')
    return number


def _fetch(args) -> dict:
    if args.number < 0:
        raise FarmError('task numbers start at 0')
    api = connect()
    run_uuid = resolve(api, args.run)
    return dict(api.task(run_uuid, args.number), run=run_uuid)


def explain_task(args, run: str | None, word: str) -> int:
    """Why task N of RUN, or the task with id ID, is not handed out."""
    api = connect()
    run_uuid = None if run is None else resolve(api, run)
    number = _number(word, 'ID' if run is None else 'N')
    waiting = api.explain(run_uuid, number)
    if args.json:
        output.print_json(waiting)
        return 0
    name = f'task {number}' + ('' if run_uuid is None else f' of run {readable.short(run_uuid)}')
    if not waiting['waiting']:
        print(f'{name} is not waiting: it is {waiting["status"]}')
    elif waiting['reasons']:
        print(f'{name} waits because:')
        for reason in waiting['reasons']:
            print(f'  - {reason}')
    elif waiting['ahead'] is not None:
        print(f'{name} is in line: {readable.counted(waiting["ahead"], "task")} of its type '
              'go first')
    else:
        print(f'{name} is in line for a free slot')
    return 0


def cancel_task(args, words: list[str]) -> int:
    """Cancel task N of RUN, or the IronWorker task IRON_ID."""
    api = connect()
    if len(words) == 1:
        if not IRON_ID.fullmatch(words[0]):
            raise FarmError(f'{words[0]!r} is not an IronWorker task id (24 hex digits, as '
                            'farm iron-tasks lists them); a run\'s task is RUN N')
        task = api.cancel_iron_task(words[0])
        name = f'IronWorker task {task["id"]} of {output.escape(task["code_name"])}'
    else:
        run_uuid = resolve(api, words[0])
        number = _number(words[1], 'N')
        task = dict(api.cancel_task(run_uuid, number), run=run_uuid)
        name = f'task {number} of run {readable.short(run_uuid)}'
    if args.json:
        output.print_json(task)
        return 0
    stopping = ': its agent stops it at its next heartbeat' if task.get('started_at') else ''
    output.console().print(f'Cancelled {name}{stopping}')
    return 0


def show_task(args) -> int:
    task = _fetch(args)
    if args.json:
        output.print_json(task)
        return 0
    out = output.console()
    out.print(f'Task {task["number"]} of run {task["run"]}  {output.styled(task["status"])}')
    grid = output.table('', '')
    grid.show_header = False
    exit_code = task.get('exit_code')
    failed_tries = readable.counted(task['failed_tries'], 'failed try', 'failed tries')
    for label, value in (
            ('attempt', f'{task["attempt"]} ({failed_tries})'),
            ('worker', f'{task.get("worker") or readable.NONE} on '
                       f'{task.get("hostname") or readable.NONE}'),
            ('exit code', readable.NONE if exit_code is None else str(exit_code)),
            ('error', _category(task.get('error_category'))),
            ('message', task.get('msg') or readable.NONE),
            ('progress', f'{task.get("percent") or 0:g}%'),
            ('started', readable.local_time(task.get('started_at'))),
            ('ended', readable.local_time(task.get('ended_at'))),
            ('duration', readable.duration(task.get('duration_s')))):
        grid.add_row(label, output.escape(value))
    if task.get('input') is not None:
        grid.add_row('input', output.escape(task['input']))
    out.print(grid)
    tail = last_lines(task.get('log_tail'), LOG_LINES_IN_TASK)
    if tail:
        out.print(f'Last log lines (farm log {readable.short(task["run"])} {task["number"]}):')
        out.print(output.escape(tail.rstrip('\n')), highlight=False)
    return 0


def _category(name: str | None) -> str:
    if not name:
        return readable.NONE
    return f'{name} ({CATEGORIES[name]})' if name in CATEGORIES else name


def show_log(args) -> int:
    task = _fetch(args)
    tail = last_lines(task.get('log_tail'), args.lines)
    if args.json:
        output.print_json({'run': task['run'], 'number': task['number'],
                           'attempt': task['attempt'], 'status': task['status'], 'log_tail': tail})
        return 0
    if tail is None:
        print(f'farm: task {task["number"]} has no log yet ({task["status"]})', file=sys.stderr)
        return 0
    sys.stdout.write(tail if tail.endswith('\n') or not tail else tail + '\n')  # verbatim
    return 0


def last_lines(text: str | None, count: int | None) -> str | None:
    """The last `count` lines of `text` (all when count is None), keeping its final newline."""
    if text is None or count is None:
        return text
    lines = text.splitlines(keepends=True)
    return ''.join(lines[-count:]) if count > 0 else ''
