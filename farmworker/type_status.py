"""A job type's row of /v6/job-types/status/ as people read it, in `farm` and `farm-tui` alike.

Scale counts a type's tasks by status (FAILED once per error category) among those that
reached it in the window, and RUNNING whatever the window; the coordinator adds what
waits now (`queued_now`) and the last failure, whenever it was.
"""

import dataclasses

from farmworker import readable

CATEGORIES = ('SYSTEM', 'ALGORITHM', 'DATA')  # whose fault first: the node's, then the job's


@dataclasses.dataclass(frozen=True)
class Totals:
    running: int
    queued: int  # waiting now, whatever the window
    completed: int
    failed: int
    cancelled: int
    failed_by_category: dict[str, int]


def totals(row: dict) -> Totals:
    by_status: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for count in row['job_counts']:
        by_status[count['status']] = by_status.get(count['status'], 0) + count['count']
        if count['status'] == 'FAILED':
            category = count.get('category') or 'UNKNOWN'
            by_category[category] = by_category.get(category, 0) + count['count']
    queued = row.get('queued_now')
    if queued is None:  # a coordinator without it: what was queued in the window
        queued = by_status.get('QUEUED', 0) + by_status.get('PENDING', 0)
    ordered = {name: by_category[name] for name in sorted(by_category, key=_category_rank)}
    return Totals(by_status.get('RUNNING', 0), queued, by_status.get('COMPLETED', 0),
                  by_status.get('FAILED', 0), by_status.get('CANCELED', 0), ordered)


def _category_rank(name: str) -> int:
    return CATEGORIES.index(name) if name in CATEGORIES else len(CATEGORIES)


def categories(failed_by_category: dict[str, int]) -> str:
    """`SYSTEM 2, DATA 1`: failures by category, the system's first; `-` for none."""
    return ', '.join(f'{name} {count:,}' for name, count in failed_by_category.items()) \
        or readable.NONE


def last_failure(row: dict, now: str | None) -> str:
    """`12m 05s ago: node-lost`: the type's last failure, whenever it was, by its error's name
    (its category when it has none)."""
    last = row.get('last_failure')
    if not last:
        return readable.NONE
    what = last.get('error_name') or last.get('category')
    return f'{readable.age(last["at"], now)} ago' + (f': {what}' if what else '')


def window(reply: dict) -> str:
    """`last 3 hours`: the window the counts of a status reply cover."""
    seconds = readable.seconds_between(reply.get('started'), reply.get('ended'))
    if seconds is None:
        return 'window unknown'
    hours = round(seconds / 3600)
    if hours and abs(seconds - hours * 3600) < 60:  # the server's clock moved on a little
        return 'last hour' if hours == 1 else f'last {hours} hours'
    return f'last {readable.duration(seconds)}'
