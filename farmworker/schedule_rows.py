"""A schedule of /farm/v1/schedules as people read it, in `farm` and `farm-tui` alike."""

from farmworker import readable


def when(row: dict) -> str:
    """Its cron fields or interval, with its time zone unless that is UTC."""
    zone = row['timezone']
    return row['when'] + (f' ({zone})' if zone not in (None, 'UTC') else '')


def state(row: dict) -> str:
    """`scheduled`, `paused`, `cancelled` (an IronWorker schedule is never paused, only
    cancelled) or `finished` (an interval schedule past its end or its runs)."""
    if row['is_paused']:
        return 'cancelled' if row['family'] == 'ironworker' else 'paused'
    return 'finished' if row['next_fire_at'] is None else 'scheduled'


def next_fire(row: dict, now: str) -> str:
    """`in 4m 10s`, or the state of a schedule that will not fire (`paused`, …)."""
    if (shown := state(row)) != 'scheduled':
        return shown
    return 'in ' + readable.until(row['next_fire_at'], now)
