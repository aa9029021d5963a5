"""A schedule of /farm/v1/schedules as people read it, in `farm` and `farm-tui` alike."""

from farmworker import readable


def when(row: dict) -> str:
    """Its cron fields or interval, with its time zone unless that is UTC."""
    zone = row['timezone']
    return row['when'] + (f' ({zone})' if zone not in (None, 'UTC') else '')


def next_fire(row: dict, now: str) -> str:
    """`in 4m 10s`, `paused` (an IronWorker one `cancelled`), or `finished` (an interval
    schedule past its end or its runs)."""
    if row['is_paused']:  # an IronWorker schedule is never paused, only cancelled
        return 'cancelled' if row['family'] == 'ironworker' else 'paused'
    if row['next_fire_at'] is None:
        return 'finished'
    return 'in ' + readable.until(row['next_fire_at'], now)
