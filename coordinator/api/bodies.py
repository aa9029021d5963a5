"""Reading request bodies and query parameters and checking their types, one clear message per mistake."""

import json
import math
import re

from coordinator.errors import InvalidInput, PayloadTooLarge

# A JSON escape of a UTF-16 surrogate: half of a pair (one character beyond U+FFFF) or a lone
# one, which no database can store. Only \u escapes make them: the body's bytes are strict UTF-8.
_SURROGATE_ESCAPE = re.compile(r'\\u[dD][89a-fA-F]')


class JsonObjectReader:
    """Reads a request body that must be a JSON object of at most `max_bytes` (when `optional`,
    no body at all stands for {})."""

    def __init__(self, max_bytes: int, *, optional: bool = False):
        self.max_bytes = max_bytes
        self.optional = optional

    def __call__(self, req) -> dict:
        return json_object(req, self.max_bytes, optional=self.optional)


class BodyResource:
    """Base of resources whose requests carry a JSON object body, read by `self._read_body(req)`."""

    def __init__(self, read_body: JsonObjectReader):
        self._read_body = read_body


def json_object(req, max_bytes: int, *, optional: bool = False) -> dict:
    """The request body as a JSON object ({} for none when `optional`), or InvalidInput /
    PayloadTooLarge."""
    text = body_text(req, max_bytes)
    if not text.strip():
        if optional:
            return {}
        raise InvalidInput('request body is empty; send a JSON object')
    return parse_object(text, 'request body')


def parse_object(text: str, what: str) -> dict:
    """`text` as a JSON object, or InvalidInput saying what is wrong with `what`."""
    try:
        parsed = json.loads(text)
        if _SURROGATE_ESCAPE.search(text):  # seldom: emoji sent as escapes, or a lone surrogate
            _refuse_lone_surrogates(parsed, what)
    except ValueError as exc:
        raise InvalidInput(f'{what} is not valid JSON: {exc}') from None
    except RecursionError:
        raise InvalidInput(f'{what} is nested too deeply') from None
    if not isinstance(parsed, dict):
        raise InvalidInput(f'{what} must be a JSON object')
    return parsed


def body_text(req, max_bytes: int) -> str:
    """The body as text, refused (413) as soon as it passes `max_bytes`, never read whole.

    A body without a Content-Length was sent chunked: it can only be read up to its end when
    the server ends the input there, as gunicorn does and says with wsgi.input_terminated.
    """
    length = req.content_length
    if length is not None and length > max_bytes:
        raise PayloadTooLarge(f'request body is larger than {max_bytes} bytes')
    stream = (req.stream if length is None and req.env.get('wsgi.input_terminated')
              else req.bounded_stream)
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f'request body is larger than {max_bytes} bytes')
    try:
        return raw.decode()  # strictly: json.loads(bytes) would let UTF-8-encoded surrogates in
    except UnicodeDecodeError as exc:
        raise InvalidInput(f'request body is not valid UTF-8: {exc}') from None


def _refuse_lone_surrogates(parsed, what: str) -> None:
    """InvalidInput when a string in `parsed` holds a surrogate that was not half of a pair."""
    try:
        json.dumps(parsed, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        escape = f'\\u{ord(exc.object[exc.start]):04x}'
        raise InvalidInput(f'{what} holds a lone UTF-16 surrogate ({escape}); '
                           'strings must be valid Unicode') from None


def only_keys(body: dict, allowed: set[str]) -> None:
    """InvalidInput naming any key outside `allowed`."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f'unknown field(s) {", ".join(unknown)}; allowed: {", ".join(sorted(allowed))}')


def required(body: dict, key: str, where: str = ''):
    """body[key]; InvalidInput naming the field (inside `where`, e.g. 'results[2].') if absent."""
    if key not in body:
        raise InvalidInput(f'missing field {where + key!r}')
    return body[key]


def optional(body: dict, key: str, check, *args, **kwargs):
    """`check(value, key, *args, **kwargs)` when `key` was sent (null included), else None."""
    return check(body[key], key, *args, **kwargs) if key in body else None


def integer(value, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """`value` as an int in range (JSON true/false and 2.0 are not integers)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f'{name} must be an integer, not {_kind(value)}')
    if minimum is not None and value < minimum or maximum is not None and value > maximum:
        raise InvalidInput(f'{name} must be between {minimum} and {maximum}, not {value}')
    return value


def boolean(value, name: str) -> bool:
    """`value` as JSON true or false (not 1, 0 or a string)."""
    if not isinstance(value, bool):
        raise InvalidInput(f'{name} must be true or false, not {_kind(value)}')
    return value


def number(value, name: str, minimum: float, maximum: float) -> float:
    """`value` as a finite float within [minimum, maximum]."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidInput(f'{name} must be a number, not {_kind(value)}')
    if not minimum <= value <= maximum:
        raise InvalidInput(f'{name} must be between {minimum:g} and {maximum:g}, not {value:g}')
    return float(value)


def text(value, name: str, max_length: int, *, empty_ok: bool = False) -> str:
    """`value` as a string of at most `max_length` characters, non-empty unless `empty_ok`."""
    if not isinstance(value, str) or not (value or empty_ok):
        raise InvalidInput(f'{name} must be a non-empty string, not {_kind(value)}')
    if len(value) > max_length:
        raise InvalidInput(f'{name} is longer than {max_length} characters')
    if '\x00' in value:  # PostgreSQL cannot store it; no name or host contains one
        raise InvalidInput(f'{name} contains a NUL character')
    return value


def text_list(value, name: str, *, max_items: int, max_length: int,
              empty_ok: bool = False) -> list[str]:
    """`value` as a non-empty list of at most `max_items` strings, each checked by `text`."""
    if not isinstance(value, list) or not 1 <= len(value) <= max_items:
        raise InvalidInput(f'{name} must be a list of 1 to {max_items} strings, not {_kind(value)}')
    return [text(item, f'{name}[{index}]', max_length, empty_ok=empty_ok)
            for index, item in enumerate(value)]


def query_integer(req, name: str, default: int, *, minimum: int, maximum: int) -> int:
    """The query parameter `name` as an int in range, `default` when absent."""
    value = _query_value(req, name, int, 'an integer')
    if value is None:
        return default
    return integer(value, f'query parameter {name}', minimum=minimum, maximum=maximum)


def query_number(req, name: str, default: float, *, minimum: float, maximum: float) -> float:
    """The query parameter `name` as a finite float in range, `default` when absent."""
    value = _query_value(req, name, float, 'a number')
    return default if value is None else number(value, f'query parameter {name}', minimum,
                                                maximum)


def _query_value(req, name: str, parse, kind: str):
    """The query parameter `name` parsed, None when absent; InvalidInput when it is not `kind`."""
    raw = req.get_param(name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise InvalidInput(f'query parameter {name} must be {kind}, not {raw[:40]!r}') from None


def query_choice(req, name: str, choices: tuple[str, ...]) -> str | None:
    """The query parameter `name`, one of `choices`, or None when absent."""
    raw = req.get_param(name)
    if raw is not None and raw not in choices:
        raise InvalidInput(f'query parameter {name} must be one of {", ".join(choices)}, '
                           f'not {raw[:40]!r}')
    return raw


def choice(value, name: str, choices):
    """`value` as a member of the str enum `choices`."""
    try:
        return choices(value)
    except (ValueError, TypeError):
        names = ', '.join(member.value for member in choices)
        raise InvalidInput(f'{name} must be one of {names}, not {value!r}') from None


def _kind(value) -> str:
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'a boolean'
    if isinstance(value, str):
        return f'the string {value[:40]!r}'
    return {dict: 'an object', list: 'an array'}.get(type(value), repr(value)[:40])
