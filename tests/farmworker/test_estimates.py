"""Duration estimates: the percentile window, the run-level hint, and the walltime fit test."""

import pytest

from farmworker.estimates import DurationWindow, expected_duration_s, fits


def window_of(*durations: float, **kwargs) -> DurationWindow:
    window = DurationWindow(**kwargs)
    for seconds in durations:
        window.add(seconds)
    return window


def test_there_is_no_percentile_below_the_minimum_sample_count():
    window = window_of(10, 20)
    assert len(window) == 2
    assert window.percentile(0.9) is None
    window.add(30)
    assert window.percentile(0.9) == 30


def test_the_minimum_sample_count_is_configurable():
    assert window_of(7, min_samples=1).percentile(0.5) == 7


@pytest.mark.parametrize('q, expected', [
    (0.0, 1), (0.05, 1), (0.1, 1), (0.11, 2), (0.5, 5), (0.9, 9), (0.91, 10), (1.0, 10),
])
def test_percentiles_use_the_nearest_rank(q, expected):
    assert window_of(*range(10, 0, -1)).percentile(q) == expected


def test_a_percentile_is_always_an_observed_duration():
    window = window_of(1.0, 2.0, 100.0)
    assert window.percentile(0.5) == 2.0
    assert window.percentile(0.9) == 100.0


def test_the_window_keeps_only_the_most_recent_durations():
    window = window_of(1000, 1, 2, 3, maxlen=3)
    assert len(window) == 3
    assert window.percentile(1.0) == 3


def test_the_default_window_holds_a_thousand_durations():
    window = window_of(*range(1500))
    assert len(window) == 1000
    assert window.percentile(0.0) == 500


def test_a_new_duration_changes_the_next_percentile():
    window = window_of(1, 2, 3)
    assert window.percentile(1.0) == 3
    window.add(50)
    assert window.percentile(1.0) == 50


@pytest.mark.parametrize('q', [-0.1, 1.5, 90])
def test_a_percentile_outside_zero_to_one_is_refused(q):
    with pytest.raises(ValueError):
        window_of(1, 2, 3).percentile(q)


@pytest.mark.parametrize('seconds', [-1.0, float('nan'), float('inf')])
def test_an_impossible_duration_is_refused(seconds):
    window = DurationWindow()
    with pytest.raises(ValueError):
        window.add(seconds)
    assert len(window) == 0


@pytest.mark.parametrize('kwargs', [{'maxlen': 0}, {'min_samples': 0}])
def test_a_window_that_could_never_answer_is_refused(kwargs):
    with pytest.raises(ValueError):
        DurationWindow(**kwargs)


def test_the_run_level_hint_wins_over_observed_durations():
    assert expected_duration_s(120.0, window_of(1, 2, 3)) == 120.0


def test_without_a_hint_the_estimate_is_a_high_percentile_of_completed_tasks():
    window = window_of(*range(1, 11))
    assert expected_duration_s(None, window) == 9
    assert expected_duration_s(None, window, q=0.5) == 5


def test_without_a_hint_or_history_the_duration_is_unknown():
    assert expected_duration_s(None, DurationWindow()) is None


def test_anything_fits_when_the_walltime_is_unknown():
    assert fits(now=0.0, walltime_end=None, expected_s=1e9)


def test_anything_fits_while_there_is_no_estimate():
    assert fits(now=100.0, walltime_end=110.0, expected_s=None)


def test_a_task_fits_when_it_ends_a_margin_before_the_walltime():
    assert fits(now=1000.0, walltime_end=1100.0, expected_s=70.0, margin_s=30.0)


def test_a_task_that_would_eat_into_the_margin_does_not_fit():
    assert not fits(now=1000.0, walltime_end=1100.0, expected_s=70.5, margin_s=30.0)


def test_the_default_margin_is_thirty_seconds():
    assert fits(now=0.0, walltime_end=100.0, expected_s=70.0)
    assert not fits(now=0.0, walltime_end=100.0, expected_s=71.0)


def test_nothing_fits_after_the_walltime_has_passed():
    assert not fits(now=200.0, walltime_end=100.0, expected_s=0.0, margin_s=0.0)
