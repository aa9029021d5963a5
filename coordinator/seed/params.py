"""Scale v6's query parameters: booleans, and the page number and size of a list."""

import dataclasses
import re

from coordinator.seed.words import shown

TRUE = ('true', 't', '1')
FALSE = ('false', 'f', '0')
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Far beyond any list, and small enough that its offset fits every database's integers.
MAX_PAGE = 10**9
_DIGITS = re.compile(r'[0-9]+')


def parse_boolean(value: str, name: str) -> bool:
    """true/t/1 or false/f/0 in any case, or ValueError naming the parameter."""
    lowered = value.lower()
    if lowered in TRUE or lowered in FALSE:
        return lowered in TRUE
    raise ValueError(f'{name} must be a boolean (true or false, t or f, 1 or 0), '
                     f'not {shown(value)}')


@dataclasses.dataclass(frozen=True)
class Page:
    """Page `number` (from 1) of a list cut into pages of `size` items."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def exists(self, count: int) -> bool:
        """Whether a list of `count` items has this page: the first always does, even empty."""
        return self.number == 1 or self.offset < count

    def has_next(self, count: int) -> bool:
        return self.offset + self.size < count

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def parse_page(page: str | None, page_size: str | None) -> Page:
    """The `page` and `page_size` parameters (None when absent) as Scale reads them: page from 1
    (ValueError for anything else); page_size 100 by default or when not a positive whole
    number, and at most 1000."""
    return Page(1 if page is None else _page_number(page), _page_size(page_size))


def _page_number(raw: str) -> int:
    digits = raw.lstrip('0') if _DIGITS.fullmatch(raw) else ''
    if digits and len(digits) <= len(str(MAX_PAGE)) and int(digits) <= MAX_PAGE:
        return int(digits)
    raise ValueError(f'page must be a whole number from 1 to {MAX_PAGE}, not {shown(raw)}')


def _page_size(raw: str | None) -> int:
    if raw is None or not _DIGITS.fullmatch(raw):
        return DEFAULT_PAGE_SIZE
    digits = raw.lstrip('0')
    if not digits:
        return DEFAULT_PAGE_SIZE
    return MAX_PAGE_SIZE if len(digits) > 4 else min(int(digits), MAX_PAGE_SIZE)
