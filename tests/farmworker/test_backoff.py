"""Backoff: the retry schedule grows, caps, resets, jitters with the injected rng, honours hints."""

import random

import pytest

from farmworker.backoff import Backoff


def top():
    """An rng at its upper bound, so each delay equals its ceiling."""
    return 1.0


def delays(backoff: Backoff, n: int) -> list[float]:
    return [backoff.next_delay() for _ in range(n)]


def test_the_ceiling_doubles_from_base_until_the_cap():
    backoff = Backoff(base_s=0.5, cap_s=60.0, factor=2.0, rng=top)
    assert delays(backoff, 10) == [0.5, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_growth_factor_is_configurable():
    assert delays(Backoff(base_s=1.0, cap_s=100.0, factor=3.0, rng=top), 6) == [
        1, 3, 9, 27, 81, 100]


def test_full_jitter_scales_the_ceiling_by_the_injected_rng():
    values = iter([0.0, 0.5, 0.25, 0.999])
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=lambda: next(values))
    assert delays(backoff, 4) == [0.0, 1.0, 1.0, 0.999 * 8]


def test_delays_from_a_real_rng_stay_within_zero_and_the_ceiling():
    backoff = Backoff(base_s=0.5, cap_s=10.0, rng=random.Random(1234).random)
    for _ in range(200):
        ceiling = backoff.ceiling_s()
        assert 0 <= backoff.next_delay() < ceiling <= 10.0


def test_each_delay_handed_out_doubles_the_ceiling():
    backoff = Backoff(base_s=0.5, rng=top)
    assert backoff.ceiling_s() == 0.5
    delays(backoff, 3)
    assert backoff.ceiling_s() == 4.0


def test_reset_after_a_success_starts_again_from_base():
    backoff = Backoff(base_s=0.5, rng=top)
    delays(backoff, 6)
    backoff.reset()
    assert backoff.ceiling_s() == 0.5
    assert delays(backoff, 2) == [0.5, 1.0]


def test_a_long_outage_stays_at_the_cap_without_overflowing():
    backoff = Backoff(base_s=0.5, cap_s=60.0, rng=top)
    delays(backoff, 5000)
    assert backoff.next_delay() == 60.0 and backoff.ceiling_s() == 60.0


def test_a_retry_after_hint_lengthens_a_shorter_jittered_delay():
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=lambda: 0.1)
    assert backoff.next_delay(at_least=5.0) == 5.0
    assert backoff.ceiling_s() == 2.0  # the hint counted as one delay handed out


def test_a_retry_after_hint_shorter_than_the_jitter_changes_nothing():
    backoff = Backoff(base_s=8.0, cap_s=60.0, rng=lambda: 0.5)
    assert backoff.next_delay(at_least=1.0) == 4.0


def test_a_retry_after_hint_is_still_clamped_to_the_cap():
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=lambda: 0.5)
    assert backoff.next_delay(at_least=3600.0) == 60.0
    assert backoff.next_delay(at_least=float('inf')) == 60.0


def test_a_nonsense_retry_after_hint_is_ignored():
    backoff = Backoff(base_s=1.0, cap_s=60.0, rng=lambda: 0.5)
    assert backoff.next_delay(at_least=float('nan')) == 0.5
    assert backoff.next_delay(at_least=-30.0) == 1.0


@pytest.mark.parametrize('kwargs', [
    {'base_s': 0}, {'base_s': -1}, {'base_s': 10, 'cap_s': 5}, {'factor': 0.5},
    {'base_s': float('nan')},
])
def test_a_schedule_that_would_not_back_off_is_refused(kwargs):
    with pytest.raises(ValueError):
        Backoff(**kwargs)
