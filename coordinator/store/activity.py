"""Rates, ETAs and per-minute history from the `run_activity` minutes the counters keep."""

from coordinator.db import run_sql
from coordinator.store.access import Principal
from coordinator.store.runs import visible

RATE_WINDOW_MINUTES = 5


def _window_start(now: float) -> int:
    """The first minute of the rate window: the current (partial) minute and the five before it."""
    return int(now // 60) - RATE_WINDOW_MINUTES


def run_rates(run_started: dict[int, float | None], now: float) -> dict[int, float]:
    """Tasks finished per second over the last minutes, for each run id given (with its start)."""
    if not run_started:
        return {}
    first = _window_start(now)
    placeholders = ', '.join('?' * len(run_started))
    # PostgreSQL sums bigints as numeric (Decimal): ints here, and in every sum below
    counts = {run_id: int(count) for run_id, count in run_sql(
        f'SELECT run_id, SUM(done + failed) FROM run_activity WHERE run_id IN ({placeholders}) '
        'AND minute >= ? GROUP BY run_id', (*run_started, first)).fetchall()}
    return {run_id: _per_second(counts.get(run_id, 0), max(first * 60, started or 0), now)
            for run_id, started in run_started.items()}


def _per_second(count: int, since: float, now: float) -> float:
    # a run that started moments ago is not credited with a whole window of idleness,
    # nor with an absurd rate from a split second: at least one second counts
    return count / max(now - since, 1.0) if count else 0.0


def eta_s(remaining: int, rate_per_s: float) -> float | None:
    """Seconds until `remaining` tasks are finished at `rate_per_s`; None when unknown or nothing left."""
    if remaining <= 0 or rate_per_s <= 0:
        return None
    return remaining / rate_per_s


def project_history(principal: Principal, now: float, minutes: int) -> dict[int, tuple[int, int]]:
    """(done, failed) per minute over the last `minutes` minutes, for the caller's visible runs."""
    first = int(now // 60) - minutes + 1
    condition, params = visible(principal)
    rows = run_sql('SELECT minute, SUM(done), SUM(failed) FROM run_activity '
                   f'WHERE minute >= ? AND run_id IN (SELECT id FROM run WHERE {condition}) '
                   'GROUP BY minute', (first, *params)).fetchall()
    return {minute: (int(done), int(failed)) for minute, done, failed in rows}


def project_rate(principal: Principal, now: float) -> float:
    """Tasks finished per second over the rate window: the sum of the visible runs' rates.

    Summing the runs' own rates (each over the window or since it started) keeps the
    total consistent with the rates shown per run.
    """
    condition, params = visible(principal)
    started = dict(run_sql(f'SELECT id, started_at FROM run WHERE {condition} AND id IN '
                           '(SELECT run_id FROM run_activity WHERE minute >= ?)',
                           (*params, _window_start(now))).fetchall())
    return sum(run_rates(started, now).values())
