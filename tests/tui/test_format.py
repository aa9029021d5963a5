"""Cell text: durations, rates, sizes and ages by the server's clock."""

import pytest

from tests.tui.canned import NOW, TASKS
from tui import format as fmt
from tui.screens.task import task_fields


@pytest.mark.parametrize('seconds, text', [
    (None, '–'), (-3, '0s'), (59.9, '59s'), (61, '1m 01s'), (3600 * 2 + 600, '2h 10m'),
    (86400 * 3 + 3600 * 4 + 5, '3d 04h'),
])
def test_durations_use_two_units_at_most(seconds, text):
    assert fmt.duration(seconds) == text


@pytest.mark.parametrize('per_s, text', [(0.0, '–'), (None, '–'), (0.85, '51.0/min'),
                                         (2.5, '2.5/s'), (12345.6, '12,345.6/s')])
def test_slow_rates_read_per_minute(per_s, text):
    assert fmt.rate(per_s) == text


def test_ages_are_measured_by_the_server_clock_across_zones():
    assert fmt.age('2026-11-23T18:00:00+01:00', '2026-11-23T17:00:30+00:00') == '30s'


def test_sizes_are_binary_units():
    assert [fmt.size(n) for n in (None, 512, 1536, 13_200_000_000)] == [
        '–', '512 B', '1.5 KiB', '12.3 GiB']


def test_the_progress_bar_shows_done_failed_and_running_in_proportion():
    run = {'num_tasks': 10, 'done': 5, 'failed': 2, 'cancelled': 0, 'running': 1,
           'percent_done': 70.0}
    bar = fmt.progress_bar(run, width=10)
    assert bar.plain == '████████░░  70.0%'
    assert [(span.end - span.start, span.style) for span in bar.spans[:3]] == [
        (5, fmt.GREEN), (2, fmt.RED), (1, fmt.ORANGE)]


@pytest.mark.parametrize('number, text', [(0, '0 runs'), (1, '1 run'), (2, '2 runs'),
                                          (1430, '1,430 runs')])
def test_counts_take_the_plural_unless_there_is_one(number, text):
    assert fmt.counted(number, 'run') == text


def test_a_count_can_name_its_own_plural():
    assert [fmt.counted(n, 'failed try', 'failed tries') for n in (1, 3)] == [
        '1 failed try', '3 failed tries']


def test_a_task_with_one_failed_try_says_so_in_the_singular():
    fields = task_fields({**TASKS[1], 'attempt': 2, 'failed_tries': 1}, NOW).plain
    assert 'attempt    2 (1 failed try)' in fields.splitlines()
