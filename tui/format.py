"""Dashboard cells from API values: the rich ones (bars, coloured states) and run summaries.

Plain values (durations, ages, counts, ids) come from `farmworker.readable`, the
formatter `farm` prints with too; they are imported here so screens have one
module to ask.
"""

from rich.text import Span, Text

from farmworker.readable import (  # noqa: F401  (re-exported for the screens)
    GREEN, NONE, ORANGE, PURPLE, RED, STATE_STYLES, TEAL, age, clock, counted, duration,
    job_type_state, number, rate, seconds_between, short, size)


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


def run_label(run: dict) -> str:
    return run.get('name') or short(run['uuid'])


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


def state(name: str | None) -> Text:
    return Text(name or NONE, STATE_STYLES.get(name or '', ''))
