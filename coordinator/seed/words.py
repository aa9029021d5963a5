"""Short, one-line wording of JSON values and of lists of names, for validation messages."""

_SHOWN_CHARS = 40
_KINDS = {dict: 'an object', list: 'an array', type(None): 'null'}


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
