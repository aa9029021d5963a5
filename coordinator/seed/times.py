"""Scale v6's time parameters: ISO 8601 instants with any offset, or durations back from now."""

import datetime
import re

from coordinator.seed.words import describe, shown

DEFAULT_STARTED = 'PT3H'  # /v6/job-types/status/ looks at the last three hours unless told
# P[nW][nD][T[nH][nM][n[.n]S]], at least one of them; T only before a time part.
_DURATION = re.compile(r'P(?:(\d+)W)?(?:(\d+)D)?'
                       r'(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?', re.ASCII)
_CALENDAR_UNITS = re.compile(r'P[^T]*[YM]')
# An offset whose + was read as a space: a query string's + means a space unless sent as %2B.
_SPACED_OFFSET = re.compile(r'(T[0-9:.]+) ([0-9]{2}(?::?[0-9]{2})?)$')
_EXPECTED = 'an ISO 8601 time such as 2015-01-01T00:00:00Z or a duration such as PT3H'


def parse_time(value: str, name: str, *, now: datetime.datetime) -> datetime.datetime:
    """The parameter `name`'s `value` as a UTC datetime: an ISO 8601 instant with an offset
    (Z, +02:00, -05:00), or a duration (PT3H, P1DT12H, P2W) meaning that long before `now`.
    ValueError, naming the parameter, for anything else."""
    if not isinstance(value, str):
        raise ValueError(f'{name} must be {_EXPECTED}, not {describe(value)}')
    if value[:1] in ('P', 'p'):
        return _before(now, _duration(value, name), value, name)
    try:
        instant = datetime.datetime.fromisoformat(_SPACED_OFFSET.sub(r'\1+\2', value))
    except ValueError:
        raise ValueError(f'{name} must be {_EXPECTED}, not {shown(value)}') from None
    if instant.tzinfo is None:
        raise ValueError(f'{name} {shown(value)} has no time zone: add Z or an offset such '
                         'as +02:00')
    try:
        return instant.astimezone(datetime.UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the year 1 in UTC
        raise ValueError(f'{name} {shown(value)} is outside the calendar in UTC') from None


def time_window(started: str | None, ended: str | None, *,
                now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """(start, end) from the `started` and `ended` parameters, each None when absent: the last
    three hours by default, ending now. ValueError if they are bad or the end is first."""
    start = parse_time(DEFAULT_STARTED if started is None else started, 'started', now=now)
    end = now.astimezone(datetime.UTC) if ended is None else parse_time(ended, 'ended', now=now)
    if start > end:
        raise ValueError(f'started ({start.isoformat()}) is after ended ({end.isoformat()})')
    return start, end


def _duration(value: str, name: str) -> datetime.timedelta:
    match = _DURATION.fullmatch(value.upper())
    if match is None or value.upper() == 'P':
        if _CALENDAR_UNITS.match(value.upper()):
            raise ValueError(f'{name} {shown(value)} counts months or years, which have no fixed '
                             'length: give weeks, days, hours, minutes or seconds (P30D)')
        raise ValueError(f'{name} must be {_EXPECTED}, not {shown(value)}')
    weeks, days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    try:
        return datetime.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes,
                                  seconds=seconds)
    except OverflowError:
        raise ValueError(f'{name} {shown(value)} is longer than any calendar') from None


def _before(now: datetime.datetime, span: datetime.timedelta, value: str,
            name: str) -> datetime.datetime:
    try:
        return now.astimezone(datetime.UTC) - span
    except OverflowError:
        raise ValueError(f'{name} {shown(value)} reaches back before the year 1') from None
