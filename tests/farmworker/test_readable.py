"""Values as people read them: durations, rates, sizes, counts and ages by the server's clock."""

import pytest

from farmworker import readable


@pytest.mark.parametrize('seconds, text', [
    (None, '-'), (-3, '0s'), (59.9, '59s'), (61, '1m 01s'), (3600 * 2 + 600, '2h 10m'),
    (86400 * 3 + 3600 * 4 + 5, '3d 04h'),
])
def test_durations_use_two_units_at_most(seconds, text):
    assert readable.duration(seconds) == text


@pytest.mark.parametrize('per_s, text', [(0.0, '-'), (None, '-'), (0.85, '51.0/min'),
                                         (2.5, '2.5/s'), (12345.6, '12,345.6/s')])
def test_slow_rates_read_per_minute(per_s, text):
    assert readable.rate(per_s) == text


def test_ages_are_measured_by_the_server_clock_across_zones():
    assert readable.age('2026-11-23T18:00:00+01:00', '2026-11-23T17:00:30+00:00') == '30s'


def test_sizes_are_binary_units():
    assert [readable.size(n) for n in (None, 512, 1536, 13_200_000_000)] == [
        '-', '512 B', '1.5 KiB', '12.3 GiB']


@pytest.mark.parametrize('number, text', [(0, '0 runs'), (1, '1 run'), (2, '2 runs'),
                                          (1430, '1,430 runs')])
def test_counts_take_the_plural_unless_there_is_one(number, text):
    assert readable.counted(number, 'run') == text


def test_a_count_can_name_its_own_plural():
    assert [readable.counted(n, 'failed try', 'failed tries') for n in (1, 3)] == [
        '1 failed try', '3 failed tries']


def test_a_countdown_is_measured_to_an_instant_after_the_servers_now():
    assert readable.until('2026-11-23T18:00:00+00:00', '2026-11-23T17:59:00+00:00') == '1m 00s'
    assert readable.until(None, '2026-11-23T17:59:00+00:00') == readable.NONE
