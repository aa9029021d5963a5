"""Short, one-line wording of JSON values and of lists of names, for validation messages."""

import re

_SHOWN_CHARS = 40
_SHOWN_NAMES = 5
_PLAIN_KEY = re.compile(r'[A-Za-z0-9_-]+')
_KINDS = {dict: 'an object', list: 'an array', type(None): 'null'}
TYPE_NAMES = {'object': 'an object', 'array': 'an array', 'string': 'a string',
              'integer': 'an integer', 'number': 'a number', 'boolean': 'a boolean', 'null': 'null'}


def describe(value) -> str:
    """What `value` is, in a few words: never a whole object or a long string."""
    if isinstance(value, bool):
        return f'the boolean {str(value).lower()}'
    if isinstance(value, str):
        return f'the string {shown(value)}'
    if isinstance(value, (int, float)):
        return f'the number {clip(str(value))}'
    return _KINDS.get(type(value), f'a {type(value).__name__}')


def shown(text: str) -> str:
    """`text` quoted, and cut short when long."""
    return repr(clip(text))


def clip(text: str) -> str:
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS - 1] + '…'


def names(items) -> str:
    """'a', "'a' and 'b'", "'a', 'b' and 'c'": at most a few, then how many more."""
    quoted = [shown(str(item)) for item in items]
    if len(quoted) > _SHOWN_NAMES:
        quoted = quoted[:_SHOWN_NAMES - 1] + [f'{len(quoted) - _SHOWN_NAMES + 1} more']
    return quoted[0] if len(quoted) == 1 else ', '.join(quoted[:-1]) + ' and ' + quoted[-1]


def member(parent: str, key: str) -> str:
    """The path of `parent`'s member `key`: parent.key, or parent['odd key'] when the key holds
    anything but letters, digits, _ and - (a newline, a dot, a quote)."""
    if _PLAIN_KEY.fullmatch(key):
        return f'{parent}.{clip(key)}' if parent else clip(key)
    return f'{parent}[{shown(key)}]'
