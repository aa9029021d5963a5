"""Scale v6's query parameters (pages, booleans, ids, orders, time windows; 400 if bad), paths."""

import datetime
import re

import falcon

from coordinator.api import bodies
from coordinator.errors import InvalidInput
from coordinator.seed import params, times
from coordinator.seed.words import shown

MAX_ID = 2**63 - 1  # the largest id any database here can compare with
_DIGITS = re.compile(r'[0-9]+')


def page(req) -> params.Page:
    """?page= (from 1) and ?page_size= (100 unless a whole number; at most 1000)."""
    try:
        return params.parse_page(req.get_param('page'), req.get_param('page_size'))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def window(req, now: float) -> tuple[float, float]:
    """?started= and ?ended= (ISO 8601 instants with any offset, or durations back from now
    such as PT3H) as epoch seconds: the last three hours unless told."""
    try:
        start, end = times.time_window(req.get_param('started'), req.get_param('ended'),
                                       now=datetime.datetime.fromtimestamp(now, datetime.UTC))
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return start.timestamp(), end.timestamp()


def boolean(req, name: str) -> bool | None:
    """The boolean parameter `name` (true/t/1 or false/f/0), None when absent."""
    raw = req.get_param(name)
    try:
        return None if raw is None else params.parse_boolean(raw, name)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def texts(req, name: str) -> tuple[str, ...]:
    """Every value of the repeatable parameter `name` (?keyword=a&keyword=b)."""
    return tuple(req.get_param_as_list(name) or ())


def ids(req, name: str = 'id') -> tuple[int, ...]:
    """Every ?id= (or ?`name`=), each a whole number."""
    found = []
    for raw in texts(req, name):
        if not _DIGITS.fullmatch(raw) or len(raw) > len(str(MAX_ID)):
            raise InvalidInput(f'{name} must be a whole number, not {shown(raw)}')
        found.append(bodies.integer(int(raw), name, minimum=0, maximum=MAX_ID))
    return tuple(found)


def names(req, name: str) -> tuple[str, ...]:
    """Every ?`name`=, each a name to compare in the database (so none with a NUL)."""
    found = texts(req, name)
    for value in found:
        if '\x00' in value:
            raise InvalidInput(f'{name} must not contain a NUL character')
    return found


def choices(req, name: str, enum) -> tuple:
    """Every ?`name`=, each a value of the str enum `enum` (in any case)."""
    found = []
    for raw in texts(req, name):
        try:
            found.append(enum(raw.upper()))
        except ValueError:
            raise InvalidInput(f'{name} must be one of {", ".join(member.value for member in enum)}'
                               f', not {shown(raw)}') from None
    return tuple(found)


def order(req, fields: dict[str, str], default: tuple[str, ...]) -> tuple[str, ...]:
    """Every ?order= as the store's field names (`fields` maps each wire name to one), each
    prefixed with - to reverse it; `default` when there is none."""
    wanted = texts(req, 'order')
    if not wanted:
        return default
    ordered = []
    for item in wanted:
        name = item.removeprefix('-')
        if name not in fields:
            raise InvalidInput(f'order must name one of {", ".join(fields)}, optionally '
                               f'prefixed with -, not {shown(item)}')
        ordered.append(item[:len(item) - len(name)] + fields[name])
    return tuple(ordered)


class PlainText(falcon.routing.BaseConverter):
    """A path segment without a NUL character, which no name or version holds and PostgreSQL
    cannot compare with one: a segment with one is an unknown path (404)."""

    def convert(self, value: str) -> str | None:
        return None if '\x00' in value else value
