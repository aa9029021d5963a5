"""How spans of time and rates read for people, shared by `farm` and `farm-tui`."""

import math


def duration(seconds: float | None, *, gap: str = '', unknown: str = '-') -> str:
    """'45s', '12m05s', '3h20m', '2d04h' (two units at most, so columns stay narrow).

    `gap` goes between the two units ('12m 05s'); `unknown` stands for None.
    """
    if seconds is None or not math.isfinite(seconds):
        return unknown
    seconds = max(0, int(seconds))  # floored: a countdown shows 59s until a minute is over
    if seconds < 60:
        return f'{seconds}s'
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f'{minutes}m{gap}{seconds:02d}s'
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f'{hours}h{gap}{minutes:02d}m'
    days, hours = divmod(hours, 24)
    return f'{days}d{gap}{hours:02d}h'


def rate(per_s: float | None, *, unknown: str = '-') -> str:
    """Tasks per second, or per minute or hour when that reads better (slow runs are common)."""
    if not per_s:
        return unknown
    if per_s >= 1:
        return f'{per_s:,.1f}/s'
    if per_s * 60 >= 1:
        return f'{per_s * 60:.1f}/min'
    return f'{per_s * 3600:.1f}/h'
