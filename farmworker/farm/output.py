"""How `farm` prints: JSON for scripts, rich tables for people (colour only on a terminal), and units."""

# Every command builds one dict of facts; --json prints it as is and the human view renders
# that same dict, so the two can never tell different stories.

import json
import os
import shlex
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from farmworker import readable


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


_NUMERIC = {'TASKS', 'DONE', 'FAILED', 'RUNNING', 'WAITING', 'QUEUED', 'CANCELLED', 'RATE', 'ETA',
            'SLOTS', 'LOAD', 'TASK', 'EXIT', 'ATTEMPT', 'PID', 'BUSY', '%', 'PRIORITY', 'READY',
            'OLDEST'}


def command_line(command: list[str] | None) -> str:
    """An argv template as a shell would need it typed."""
    return shlex.join(command) if command else readable.NONE


def styled(state: str | None) -> str:
    """A state name in its colour, as rich markup."""
    if not state:
        return readable.NONE
    style = readable.STATE_STYLES.get(state)
    return f'[{style}]{state}[/]' if style else state


def ago(then: str | None, now: str | None) -> str:
    """`5s ago`: how long before the server's `now` the instant `then` was."""
    text = readable.age(then, now)
    return text if text == readable.NONE else f'{text} ago'


__all__ = ['escape']  # re-exported: values shown inside markup must not be read as markup
