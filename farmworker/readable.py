"""Values as people read them, in `farm` and `farm-tui` alike: times, rates, counts, state colours.

Plain text only (rich style names for states, no widgets), so a table row and a
dashboard cell say the same thing the same way. Ages and countdowns are
computed against the reply's `now` (the server's clock), never the local one:
a login node with a skewed clock still shows true ages, and tests stay
deterministic.
"""

import math
from datetime import UTC, datetime

NONE = '-'  # what stands in for a value that is not there (yet)

# mid-tone colours that read on dark and light backgrounds alike (plain yellow and cyan vanish
# on a light one)
GREEN, RED, ORANGE, TEAL, PURPLE = 'green3', 'red3', 'dark_orange', 'dark_cyan', 'medium_purple'
STATE_STYLES = {
    'waiting': TEAL, 'running': ORANGE, 'finished': GREEN, 'cancelled': PURPLE,
    'done': GREEN, 'failed': RED, 'idle': TEAL, 'busy': GREEN, 'draining': ORANGE,
    'lost': f'bold {RED}', 'stopped': 'dim',
    'active': GREEN, 'paused': ORANGE, 'inactive': 'dim',  # job types
}


def job_type_state(job_type: dict) -> str:
    """`active`, `paused`, or `inactive` (deprecated: not handed out, paused or not)."""
    if not job_type['is_active']:
        return 'inactive'
    return 'paused' if job_type['is_paused'] else 'active'


def duration(seconds: float | None) -> str:
    """`45s`, `12m 05s`, `3h 20m`, `2d 04h`: two units at most, so columns stay narrow."""
    if seconds is None or not math.isfinite(seconds):
        return NONE
    seconds = max(0, int(seconds))  # floored: a countdown shows 59s until a minute is over
    if seconds < 60:
        return f'{seconds}s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes}m {seconds:02d}s'
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f'{hours}h {minutes:02d}m'
    days, hours = divmod(hours, 24)
    return f'{days}d {hours:02d}h'


def rate(per_s: float | None) -> str:
    """Tasks per second, or per minute or hour when that reads better (slow runs are common)."""
    if not per_s:
        return NONE
    if per_s >= 1:
        return f'{per_s:,.1f}/s'
    if per_s * 60 >= 1:
        return f'{per_s * 60:.1f}/min'
    return f'{per_s * 3600:.1f}/h'


def size(num_bytes: int | None) -> str:
    """`512 B`, `1.5 KiB`, `3.2 GiB`."""
    if num_bytes is None:
        return NONE
    value = float(num_bytes)
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if value < 1024:
            return f'{value:.0f} {unit}' if unit == 'B' else f'{value:.1f} {unit}'
        value /= 1024
    return f'{value:.1f} TiB'


def number(value: float | None, digits: int = 0) -> str:
    """`1,430`, or with `digits` decimals: thousands marked, so big counts read at a glance."""
    return NONE if value is None else f'{value:,.{digits}f}'


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 run`, `0 runs`, `1,430 tasks`; `plural` where an s will not do (`failed tries`)."""
    return f'{count:,} {noun if count == 1 else plural or noun + "s"}'


def short(uuid: str | None) -> str:
    """The first 8 hex digits: unique enough on one screen, as git shows commits, and what
    `farm` accepts back."""
    return uuid[:8] if uuid else NONE


def instant(value: str | None) -> datetime | None:
    """An RFC 3339 instant as the API sends it, or None."""
    return datetime.fromisoformat(value) if value else None


def seconds_between(earlier: str | None, later: str | None) -> float | None:
    start, end = instant(earlier), instant(later)
    return None if start is None or end is None else (end - start).total_seconds()


def age(then: str | None, now: str | None) -> str:
    """How long before the server's `now` the instant `then` was."""
    return duration(seconds_between(then, now))


def until(then: str | None, now: str | None) -> str:
    """How long after the server's `now` the instant `then` comes (a walltime's end)."""
    return duration(seconds_between(now, then))


def clock(value: str | None) -> str:
    """`2026-11-23 17:20:05 UTC`: an instant to the second, in UTC like the server's logs."""
    moment = instant(value)
    return moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC') if moment else NONE


def local_time(value: str | None) -> str:
    """`2026-11-23 18:20:05`: an instant to the second, in this machine's time zone."""
    moment = instant(value)
    return moment.astimezone().strftime('%Y-%m-%d %H:%M:%S') if moment else NONE
