"""How `farm` prints: JSON for scripts, rich tables for people (colour only on a terminal), and units."""

# Every command builds one dict of facts; --json prints it as is and the human view renders
# that same dict, so the two can never tell different stories.

import datetime
import json
import os
import shlex
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from farmworker import readable

STATE_STYLE = {'waiting': 'yellow', 'running': 'cyan', 'finished': 'green', 'done': 'green',
               'cancelled': 'magenta', 'failed': 'red', 'idle': 'green', 'busy': 'cyan',
               'draining': 'yellow', 'lost': 'red', 'stopped': 'dim'}


def console(stderr: bool = False) -> Console:
    """A console that colours and animates only on a terminal (and never with NO_COLOR set)."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return Console(file=stream, force_terminal=terminal, no_color=not terminal
                   or bool(os.environ.get('NO_COLOR')), highlight=False, soft_wrap=not terminal,
                   width=None if terminal else 200)


def print_listing(args, reply: dict, key: str, command: str, row) -> None:
    """A list reply (`farm runs`, `farm workers`): JSON, a table of `row(item)`, or why it is empty.

    `row` returns the cells of one item; the table's header is `row(None)`.
    """
    if args.json:
        print_json(reply)
        return
    out, items = console(), reply[key]
    if not items:
        if args.state == 'all':
            out.print(f'No {key}.')
        else:  # say where the others are: an empty list after a run ended looks like data lost
            out.print(f'No {args.state} {key} ({command} --state all lists them all).')
        return
    grid = table(*row(None))
    for item in items:
        grid.add_row(*row(item))
    out.print(grid)
    if reply['total'] > len(items):
        out.print(f'({len(items)} of {reply["total"]}: --limit shows more)')


def print_json(facts) -> None:
    json.dump(facts, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write('\n')


def table(*columns: str, title: str | None = None) -> Table:
    grid = Table(title=title, title_justify='left', header_style='bold', box=None,
                 pad_edge=False, padding=(0, 2, 0, 0))
    for column in columns:
        grid.add_column(column, no_wrap=column in ('ID', 'RUN', 'WORKER'),
                        justify='right' if column in _NUMERIC else 'left')
    return grid


_NUMERIC = {'TASKS', 'DONE', 'FAILED', 'RUNNING', 'WAITING', 'CANCELLED', 'RATE', 'ETA',
            'SLOTS', 'LOAD', 'TASK', 'EXIT', 'ATTEMPT', 'PID', 'BUSY', '%'}


def command_line(command: list[str] | None) -> str:
    """An argv template as a shell would need it typed."""
    return shlex.join(command) if command else '-'


def styled(state: str | None) -> str:
    if not state:
        return '-'
    style = STATE_STYLE.get(state)
    return f'[{style}]{state}[/]' if style else state


duration = readable.duration
rate = readable.rate


def instant(text: str | None) -> datetime.datetime | None:
    return datetime.datetime.fromisoformat(text) if text else None


def age(text: str | None, now: str | None) -> str:
    """How long before the server's `now` the instant `text` was ('-' when either is missing)."""
    then, at = instant(text), instant(now)
    if then is None or at is None:
        return '-'
    return duration((at - then).total_seconds()) + ' ago'


def until(text: str | None, now: str | None) -> str:
    then, at = instant(text), instant(now)
    if then is None or at is None:
        return '-'
    return duration((then - at).total_seconds())


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 task', '2 tasks': `number` with `noun` in the form it needs ('s' added unless given)."""
    return f'{number} {noun if number == 1 else plural or noun + "s"}'


def short(uuid: str | None) -> str:
    """The first 8 characters of a uuid: what tables show and what farm accepts back."""
    return uuid[:8] if uuid else '-'


def local_time(text: str | None) -> str:
    value = instant(text)
    return value.astimezone().strftime('%Y-%m-%d %H:%M:%S') if value else '-'


__all__ = ['escape']  # re-exported: values shown inside markup must not be read as markup
