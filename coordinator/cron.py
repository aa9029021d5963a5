"""Cron triggers as APScheduler's CronTrigger reads them, and their next fire times (by croniter).

ndscheduler hands its five fields to APScheduler, so a job means what APScheduler
makes of them: fields more significant than the least significant one given are `*`,
less significant ones their minimum (month and day 1, hour and minute 0), seconds
are always 0, and every field must match (a day *and* a day of the week, not either
as in Vixie cron). APScheduler counts the days of the week from Monday = 0, cron from
Sunday = 0, so that field is translated to an explicit list of cron's numbers; croniter
parses the rest and finds the fire times, in the trigger's time zone (UTC unless told).

Only what APScheduler accepts is accepted, and only what croniter can compute: `week`
must be `*` (croniter has no ISO week), and a day field's `1st fri` or `last sun` only
alone and with day_of_week `*` (croniter writes them in the day-of-week field). Anything
else is a CronError naming the field.
"""

import dataclasses
import datetime
import re
import zoneinfo

from croniter import CroniterBadDateError, CroniterError, croniter

# in APScheduler's order, the most significant first (year and second are not settable)
FIELDS = ('month', 'day', 'week', 'day_of_week', 'hour', 'minute')
_MINIMUM = {'month': '1', 'day': '1', 'week': '*', 'day_of_week': '*', 'hour': '0',
            'minute': '0'}
_BOUNDS = {'month': (1, 12), 'day': (1, 31), 'week': (1, 53), 'day_of_week': (0, 6),
           'hour': (0, 23), 'minute': (0, 59)}
MONTHS = ('jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec')
WEEKDAYS = ('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')  # APScheduler's 0 to 6
MAX_VALUE_LENGTH = 255
DEFAULT_TIMEZONE = 'UTC'
# one comma-separated part: *, */n, a, a-b, a-b/n, a/n (a and b numbers, or names where the
# field has them), or in the day field `last`, `1st fri`, `last sun`
_PART = re.compile(r'(?P<first>\*|[0-9]+|[a-z]+)(?:-(?P<last>[0-9]+|[a-z]+))?'
                   r'(?:/(?P<step>[0-9]+))?')
_NTH_WEEKDAY = re.compile(r'(?P<nth>1st|2nd|3rd|4th|5th|last) +(?P<day>[a-z]+)')


class CronError(ValueError):
    """A cron field or time zone APScheduler would refuse, or croniter cannot compute."""


@dataclasses.dataclass(frozen=True, slots=True)
class CronTrigger:
    """Every field as a string (defaults filled in) and the time zone they are read in."""

    month: str
    day: str
    week: str
    day_of_week: str
    hour: str
    minute: str
    timezone: str = DEFAULT_TIMEZONE

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS}

    def next_fire_at(self, now: float) -> float | None:
        """The first fire time at or after `now` (epoch seconds), None if there is none."""
        zone = zoneinfo.ZoneInfo(self.timezone)
        # croniter finds the first time strictly after its start: start just before now
        start = datetime.datetime.fromtimestamp(now, zone) - datetime.timedelta(microseconds=1)
        try:
            return croniter(_expression(self), start, day_or=False).get_next(float)
        except CroniterBadDateError:
            return None

    def last_fire_at(self, now: float) -> float | None:
        """The last fire time at or before `now` (epoch seconds), None if there is none."""
        zone = zoneinfo.ZoneInfo(self.timezone)
        # croniter finds the last time strictly before its start: start just after now
        start = datetime.datetime.fromtimestamp(now, zone) + datetime.timedelta(microseconds=1)
        try:
            return croniter(_expression(self), start, day_or=False).get_prev(float)
        except CroniterBadDateError:
            return None


def trigger(given: dict, timezone: str | None = None) -> CronTrigger:
    """The trigger of the cron fields `given` (strings or whole numbers; at least one), the
    others filled in as APScheduler does. CronError if one is bad or it never fires."""
    unknown = set(given) - set(FIELDS)
    if unknown:
        raise CronError(f'not cron fields: {", ".join(sorted(unknown))}')
    if not given:
        raise CronError(f'give at least one of the cron fields {", ".join(FIELDS)}')
    values, fill = {}, False
    for name in FIELDS:
        if name in given:
            values[name] = _normalised(given[name], name)
            fill = not set(given) - set(values)  # the least significant field given is passed
        else:
            values[name] = _MINIMUM[name] if fill else '*'
    made = CronTrigger(**values, timezone=_zone_name(timezone))
    _expression(made)  # refuses what croniter cannot parse, naming the field
    if made.next_fire_at(0.0) is None:
        raise CronError(f'the cron fields {_shown(made)} never match a date')
    return made


def _normalised(value, name: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CronError(f'{name} must be a string such as "*/5" or a whole number, not '
                        f'{type(value).__name__ if value is not None else "null"}')
    text = str(value).strip().lower()
    if not text or len(text) > MAX_VALUE_LENGTH:
        raise CronError(f'{name} must be a non-empty cron expression of at most '
                        f'{MAX_VALUE_LENGTH} characters')
    parts = [part.strip() for part in text.split(',')]
    for part in parts:
        _check_part(part, name, value)
    return ','.join(parts)


def _check_part(part: str, name: str, value) -> None:
    """CronError unless `part` is one of the forms APScheduler accepts in the field `name`."""
    if name == 'day' and (part == 'last' or _NTH_WEEKDAY.fullmatch(part)):
        if part != 'last' and _NTH_WEEKDAY.fullmatch(part)['day'] not in WEEKDAYS:
            raise CronError(f'{name} {value!r}: {part!r} names no day of the week')
        return
    match = _PART.fullmatch(part)
    if match is None:
        raise CronError(f'{name} {value!r} is not a cron expression: {part!r} is none of *, '
                        '*/n, a, a-b, a-b/n')
    low, high = _BOUNDS[name]
    first, last, step = match['first'], match['last'], match['step']
    numbers = [_number(item, name, value) for item in (first, last) if item and item != '*']
    for number in numbers:
        if not low <= number <= high:
            raise CronError(f'{name} {value!r}: {number} is outside {low} to {high}')
    if len(numbers) == 2 and numbers[0] > numbers[1]:
        raise CronError(f'{name} {value!r}: the range {part!r} starts after it ends')
    if first == '*' and last or step is not None and int(step) == 0:
        raise CronError(f'{name} {value!r}: {part!r} is not a range or step APScheduler accepts')
    if not first.isdigit() and first != '*' and step is not None:
        raise CronError(f'{name} {value!r}: a step needs numbers, not names ({part!r})')


def _number(item: str, name: str, value) -> int:
    if item.isdigit():
        return int(item)
    names = {'month': MONTHS, 'day_of_week': WEEKDAYS}.get(name, ())
    if item not in names:
        raise CronError(f'{name} {value!r}: {item!r} is not a number'
                        + (f' or one of {", ".join(names)}' if names else ''))
    return names.index(item) + (1 if name == 'month' else 0)


def _zone_name(timezone: str | None) -> str:
    if timezone is None:
        return DEFAULT_TIMEZONE
    if not isinstance(timezone, str) or not timezone or len(timezone) > 64:
        raise CronError('timezone must be the name of a time zone such as Europe/Berlin')
    try:
        zoneinfo.ZoneInfo(timezone)
    except (ValueError, OSError, zoneinfo.ZoneInfoNotFoundError):  # OSError: 'America', a folder
        raise CronError(f'timezone {timezone!r} is not a time zone this coordinator knows; '
                        'give a name such as UTC or Europe/Berlin') from None
    return timezone


def _expression(made: CronTrigger) -> str:
    """The five-field cron expression croniter reads (minute hour day month day-of-week)."""
    if made.week != '*':
        raise CronError(f'week {made.week!r}: only * is supported (croniter has no ISO weeks)')
    day, day_of_week = _day_fields(made)
    expression = f'{made.minute} {made.hour} {day} {made.month} {day_of_week}'
    try:
        croniter(expression, day_or=False)
    except (CroniterError, ValueError) as exc:
        raise CronError(f'the cron fields {_shown(made)} cannot be computed: {exc}') from None
    return expression


def _day_fields(made: CronTrigger) -> tuple[str, str]:
    """(cron's day field, cron's day-of-week field): `last` is croniter's L, and an nth weekday
    moves to the day of the week as croniter writes it (fri#3, L5)."""
    weekdays = _cron_weekdays(made.day_of_week)
    nth = _NTH_WEEKDAY.fullmatch(made.day)
    if nth is None:
        if any(_NTH_WEEKDAY.fullmatch(part) for part in made.day.split(',')):
            raise CronError(f'day {made.day!r}: an nth weekday can only be the whole day field')
        return made.day.replace('last', 'L'), weekdays
    if made.day_of_week != '*':
        raise CronError(f'day {made.day!r} with day_of_week {made.day_of_week!r}: an nth '
                        'weekday needs day_of_week *')
    number = (WEEKDAYS.index(nth['day']) + 1) % 7
    return '*', f'L{number}' if nth['nth'] == 'last' else f'{number}#{nth["nth"][0]}'


def _cron_weekdays(expression: str) -> str:
    """APScheduler's day-of-week expression (Monday = 0) as cron's list of days (Sunday = 0)."""
    if expression == '*':
        return '*'
    days = set()
    for part in expression.split(','):
        match = _PART.fullmatch(part)
        first, last, step = match['first'], match['last'], int(match['step'] or 1)
        if first == '*':
            low, high = 0, 6
        else:
            low = _number(first, 'day_of_week', expression)
            high = 6 if last is None and match['step'] else low
            high = _number(last, 'day_of_week', expression) if last else high
        days.update(range(low, high + 1, step))
    return ','.join(str((day + 1) % 7) for day in sorted(days))


def _shown(made: CronTrigger) -> str:
    return ', '.join(f'{name} {value!r}' for name, value in made.fields().items())
