"""What every IronWorker route shares: the project a request addresses, ids, pages and times.

Errors need no translating here: every domain error under /2/ is answered
`{"msg": ...}` as JSON by coordinator.api.errors, Content-Type included.
"""

import datetime

from coordinator.api import bodies
from coordinator.api.farm.views import instant_z
from coordinator.api.ironworker.ids import Kind, decode
from coordinator.errors import InvalidInput
from coordinator.store import projects
from coordinator.store.access import Principal

MAX_PAGE = 100
MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 30


def caller(req, project_id: str) -> Principal:
    """The caller acting in the project the path names: 404 unless it is theirs."""
    principal, _ = projects.addressed(req.context.principal, project_id)
    return principal


def code_id(text: str) -> int:
    return decode(Kind.CODE, text)


def page(req) -> tuple[int, int]:
    """(offset, limit) from ?page= (from 0, at most 100) and ?per_page= (1-100, default 30)."""
    per_page = bodies.query_integer(req, 'per_page', DEFAULT_PER_PAGE, minimum=1,
                                    maximum=MAX_PER_PAGE)
    number = bodies.query_integer(req, 'page', 0, minimum=0, maximum=MAX_PAGE)
    return number * per_page, per_page


def when(epoch_s: float | None) -> str | None:
    """RFC 3339 in UTC with Z, as IronWorker's clients parse times."""
    return instant_z(epoch_s)


def instant(value, name: str) -> float | None:
    """An RFC 3339 time a client sent (with an offset or Z; microseconds allowed) as epoch
    seconds; None for null, "" or Go's zero time (year 1), which mean "not set"."""
    if value in (None, ''):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f'{name} must be an RFC 3339 time such as 2026-01-01T12:00:00Z')
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f'{name} must be an RFC 3339 time such as 2026-01-01T12:00:00Z, '
                           f'not {value[:40]!r}') from None
    if parsed.tzinfo is None:
        raise InvalidInput(f'{name} {value[:40]!r} has no time zone: add Z or an offset')
    if parsed.year == 1:
        return None
    try:
        return parsed.timestamp()
    except (OverflowError, ValueError):
        raise InvalidInput(f'{name} {value[:40]!r} is outside the calendar') from None
