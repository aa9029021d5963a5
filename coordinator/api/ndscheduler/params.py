"""ndscheduler's time range parameters (?time_range_start=, ?time_range_end=): 400 if bad."""

import datetime

from coordinator.errors import InvalidInput
from coordinator.seed import times

DEFAULT_SPAN_S = 600  # ndscheduler shows the last ten minutes unless told


def time_range(req, now: float) -> tuple[float, float]:
    """The request's (start, end) as epoch seconds: see `window`."""
    return window(req.get_param('time_range_start'), req.get_param('time_range_end'), now)


def window(start: str | None, end: str | None, now: float) -> tuple[float, float]:
    """(start, end) as epoch seconds from the parameters (None when absent): ISO 8601 instants
    whose offsets are converted (one without is UTC, as ndscheduler reads it), or durations
    back from now (PT1H). The end defaults to now, the start to ten minutes before the end.
    InvalidInput for a bad time, or a start after the end."""
    moment = datetime.datetime.fromtimestamp(now, datetime.UTC)
    end_s = now if end is None else _instant(end, 'time_range_end', moment)
    start_s = end_s - DEFAULT_SPAN_S if start is None else _instant(start, 'time_range_start',
                                                                      moment)
    if start_s > end_s:
        raise InvalidInput('time_range_start is after time_range_end')
    return start_s, end_s


def _instant(raw: str, name: str, now: datetime.datetime) -> float:
    try:
        return times.parse_time(raw, name, now=now).timestamp()
    except ValueError as exc:
        try:  # ndscheduler reads a time without an offset as UTC
            naive = datetime.datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidInput(str(exc)) from None
        if naive.tzinfo is not None:
            raise InvalidInput(str(exc)) from None
        return naive.replace(tzinfo=datetime.UTC).timestamp()
