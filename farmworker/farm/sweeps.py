"""The command template and input lines of a run: plain, `--each-line FILE` or `--from-file FILE`."""

# Lines are kept byte for byte (only the line break goes): they reach the task as one argv
# element, so quoting in them is the task's business and never a shell's on the way.

import sys
from pathlib import Path

from farmworker import commands
from farmworker.farm.session import FarmError

FILLED = {'task', 'line'}  # the placeholders the agent fills in
SHELL_LINE = ['sh', '-c', '{line}']  # a --from-file task: its line, read by a shell


def tasks_of(command: list[str], each_line: Path | None, from_file: Path | None,
             stdin=sys.stdin) -> tuple[list[str], list[str] | None]:
    """(argv template, input lines or None) from the task command and the sweep options."""
    if each_line is not None and from_file is not None:
        raise FarmError('--each-line and --from-file are two kinds of sweep: pick one')
    if from_file is not None:
        if command:
            raise FarmError('--from-file runs each line as the command: give no command after --')
        lines = [line for line in read_lines(from_file, stdin)
                 if not line.lstrip().startswith('#')]  # a shell would ignore them anyway
        return list(SHELL_LINE), _some(lines, from_file)
    if not command:
        raise FarmError('no task command: give it after --, e.g. -- ./job.sh {task}')
    used = commands.placeholders(command)
    if each_line is not None:
        if 'line' not in used:
            raise FarmError('--each-line: the command must say where the line goes: {line}')
        return command, _some(read_lines(each_line, stdin), each_line)
    if 'line' in used:
        raise FarmError('{line} needs input lines: --each-line FILE (or write {{line}} for a '
                        'literal {line})')
    if 'task' not in used and not any('FARM_TASK' in arg for arg in command):
        # legitimate when a script reads FARM_TASK itself, so a note rather than a refusal
        print('farm: note: the command has no {task}: every task runs the same command line '
              '(fine if it reads $FARM_TASK)', file=sys.stderr)
    unknown = used - FILLED
    if unknown:
        names = ', '.join('{' + name + '}' for name in sorted(unknown))
        print(f'farm: note: {names} will be passed as written (only {{task}} and {{line}} are '
              'filled in)', file=sys.stderr)
    return command, None


def read_lines(path: Path, stdin=sys.stdin) -> list[str]:
    """The non-blank lines of a file ('-': standard input), without their line breaks."""
    try:
        if str(path) == '-':
            text = stdin.read()
        else:
            text = path.read_text(encoding='utf-8')
    except OSError as exc:
        raise FarmError(f'cannot read {path}: {exc.strerror}') from None
    except UnicodeDecodeError:
        raise FarmError(f'{path} is not UTF-8 text') from None
    # split on '\n' only: str.splitlines would also cut at form feeds and other separators
    # that may be part of a line's text
    lines = [line[:-1] if line.endswith('\r') else line for line in text.split('\n')]
    return [line for line in lines if line.strip()]


def _some(lines: list[str], path: Path) -> list[str]:
    if not lines:
        raise FarmError(f'{path} has no lines: nothing to run')
    return lines
