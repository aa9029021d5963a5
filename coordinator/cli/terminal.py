"""What every farm-coordinator command shares: one-line messages, confirmation, counts and dates."""

import sys
import time

from coordinator.errors import InvalidInput


def fail(message: str) -> int:
    say(message)
    return 1


def say(message: str) -> None:
    print(f'farm-coordinator: {message}', file=sys.stderr, flush=True)


def confirm(question: str, yes: bool) -> None:
    """Go on only if the user says yes; without a terminal, only with --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput('this asks for confirmation and there is no terminal: add --yes')
    if input(f'{question} [y/N] ').strip().lower() not in ('y', 'yes'):
        raise InvalidInput('nothing done')


def count(number: int, noun: str) -> str:
    return f'{number} {noun}{"" if number == 1 else "s"}'


def when(epoch: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M', time.localtime(epoch))
