"""Pure functions turning API values into short cell text: ages, durations, rates, sizes, bars.

Ages are computed against the reply's `now` (the server's clock), never the
local one, so a login node with a skewed clock still shows true ages and the
snapshot tests stay deterministic.
"""

from datetime import UTC, datetime

from rich.text import Span, Text

from farmworker import readable

NONE = '–'


def instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def clock(value: str | None) -> str:
    """`2026-11-23 17:20:05 UTC`: an instant to the second, in UTC like the server's logs."""
    moment = instant(value)
    return moment.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC') if moment else NONE


def seconds_between(earlier: str | None, later: str | None) -> float | None:
    start, end = instant(earlier), instant(later)
    return None if start is None or end is None else (end - start).total_seconds()


def eta(run: dict) -> str:
    """The run's ETA; marked `!` when it lies beyond its workers' walltime (more are needed)."""
    left = run.get('walltime_left_s')
    beyond = run['eta_s'] is not None and left is not None and run['eta_s'] > left
    return duration(run['eta_s']) + (' !' if beyond else '')


def workers(run: dict) -> str:
    """`2 workers, walltime 40m 00s left` (or just the count)."""
    text = counted(run.get('workers', 0), 'worker')
    if run.get('walltime_left_s') is not None:
        text += f", walltime {duration(run['walltime_left_s'])} left"
    return text


def duration(seconds: float | None) -> str:
    """`42s`, `3m 05s`, `2h 10m`, `3d 04h`: two units at most, so columns stay narrow."""
    return readable.duration(seconds, gap=' ', unknown=NONE)


def age(then: str | None, now: str) -> str:
    return duration(seconds_between(then, now))


def rate(per_s: float | None) -> str:
    return readable.rate(per_s, unknown=NONE)


def size(num_bytes: int | None) -> str:
    if num_bytes is None:
        return NONE
    value = float(num_bytes)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return f'{value:.0f} {unit}' if unit == 'B' else f'{value:.1f} {unit}'
        value /= 1024
    raise AssertionError('unreachable')


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`1 run`, `0 runs`, `1,430 tasks`; `plural` where an s will not do (`failed tries`).

    Plain text and no dashboard state, so `farm`'s output could use it as well.
    """
    return f'{count:,} {noun if count == 1 else plural or noun + "s"}'


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return NONE
    return f'{value:,.{digits}f}'


def short(uuid: str | None) -> str:
    """The first 8 hex digits: unique enough on one screen, as git shows commits."""
    return uuid[:8] if uuid else NONE


def run_label(run: dict) -> str:
    return run.get('name') or short(run['uuid'])


# mid-tone colours that read on the dark and the light theme alike (plain yellow and cyan
# vanish on a light background)
GREEN, RED, ORANGE, TEAL, PURPLE = 'green3', 'red3', 'dark_orange', 'dark_cyan', 'medium_purple'


def progress_bar(run: dict, width: int = 10) -> Text:
    """A bar of done (green), failed + cancelled (red) and running (orange), then the percentage."""
    total = max(1, run['num_tasks'])
    # built as one string with spans: the Runs screen makes one per run per refresh
    spans, used = [], 0
    for count, style in ((run['done'], GREEN), (run['failed'] + run.get('cancelled', 0), RED),
                         (run['running'], ORANGE)):
        cells = min(width - used, round(count * width / total))
        if cells:
            spans.append(Span(used, used + cells, style))
        used += cells
    spans.append(Span(used, width, 'dim'))
    plain = '█' * used + '░' * (width - used) + f' {run["percent_done"]:5.1f}%'
    return Text(plain, spans=spans)


STATE_STYLES = {
    'waiting': TEAL, 'running': ORANGE, 'finished': GREEN, 'cancelled': PURPLE,
    'done': GREEN, 'failed': RED, 'idle': TEAL, 'busy': GREEN, 'draining': ORANGE,
    'lost': f'bold {RED}', 'stopped': 'dim',
}


def state(name: str | None) -> Text:
    return Text(name or NONE, STATE_STYLES.get(name or '', ''))
