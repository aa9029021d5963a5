"""Per-minute activity: finished tasks are counted in the minute they end; rates and ETAs follow."""

import pytest

from coordinator.models import RunActivity
from coordinator.store import activity, dispatch, reports, runs
from coordinator.store.reports import Outcome, Result

T0 = 1_800_000_000.0  # a minute boundary: 30_000_000 * 60


def finish(principal, run, worker_uuid, count, now, outcome=Outcome.COMPLETE):
    tasks = dispatch.claim_tasks(principal, run.uuid, worker_uuid, count, now)
    reports.report(principal, run.uuid, worker_uuid,
                   [Result(t.number, t.attempt, outcome, exit_code=0) for t in tasks], now)


def test_finished_tasks_land_in_the_minute_they_end(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 10, policy=runs.Policy(max_tries=1))
    finish(alice_principal, run, worker_uuid, 2, T0 + 5)
    finish(alice_principal, run, worker_uuid, 1, T0 + 50, Outcome.FAILED)
    finish(alice_principal, run, worker_uuid, 3, T0 + 65)
    minutes = {(row.minute, row.done, row.failed) for row in RunActivity.select()}
    assert minutes == {(30_000_000, 2, 1), (30_000_001, 3, 0)}


def test_the_rate_counts_the_window_or_the_time_since_the_run_started(alice_principal, worker_uuid):
    run = runs.create_run(alice_principal, 100)
    finish(alice_principal, run, worker_uuid, 10, T0 + 10)
    started = runs.run_status(alice_principal, run.uuid).started_at
    assert started == T0 + 10
    # 10 tasks, 20 s after the run's first claim
    assert activity.run_rates({run.id: started}, T0 + 30)[run.id] == pytest.approx(0.5)
    # an hour later they have left the window
    assert activity.run_rates({run.id: started}, T0 + 3600)[run.id] == 0.0


@pytest.mark.parametrize('remaining, rate, eta', [(10, 0.5, 20.0), (0, 1.0, None), (5, 0.0, None)])
def test_the_eta_is_unknown_without_a_rate_or_remaining_work(remaining, rate, eta):
    assert activity.eta_s(remaining, rate) == eta


def test_the_farm_rate_is_the_sum_of_the_run_rates(alice_principal, worker_uuid):
    early, late = runs.create_run(alice_principal, 100), runs.create_run(alice_principal, 100)
    finish(alice_principal, early, worker_uuid, 10, T0 + 10)  # 10 tasks over 20 s
    finish(alice_principal, late, worker_uuid, 6, T0 + 27)  # 6 tasks over 3 s
    assert activity.project_rate(alice_principal, T0 + 30) == pytest.approx(0.5 + 2.0)
