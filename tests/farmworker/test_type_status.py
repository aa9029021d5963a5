"""A job type's status row as people read it: totals, failures by category, last failure, window."""

from farmworker import type_status

NOW = '2026-11-23T17:20:05+00:00'


def row(*counts, queued_now=None, last_failure=None) -> dict:
    found = {'job_type': {'id': 1}, 'last_failure': last_failure,
             'job_counts': [{'status': status, 'count': count, 'category': category,
                             'most_recent': NOW} for status, count, category in counts]}
    if queued_now is not None:
        found['queued_now'] = queued_now
    return found


def test_failures_add_up_over_categories_the_systems_first():
    totals = type_status.totals(row(('FAILED', 2, 'DATA'), ('RUNNING', 3, None),
                                    ('FAILED', 1, 'SYSTEM'), ('COMPLETED', 40, None),
                                    ('FAILED', 4, 'ALGORITHM'), ('CANCELED', 1, None),
                                    queued_now=7))
    assert (totals.running, totals.queued, totals.completed, totals.failed,
            totals.cancelled) == (3, 7, 40, 7, 1)
    assert type_status.categories(totals.failed_by_category) == 'SYSTEM 1, ALGORITHM 4, DATA 2'


def test_without_queued_now_what_was_queued_in_the_window_stands_in():
    totals = type_status.totals(row(('QUEUED', 5, None), ('PENDING', 2, None)))
    assert totals.queued == 7 and type_status.categories(totals.failed_by_category) == '-'


def test_the_last_failure_says_how_long_ago_and_its_error():
    failed = row(last_failure={'at': '2026-11-23T17:08:00Z', 'state': 'timeout',
                               'category': 'SYSTEM', 'error_name': 'timeout'})
    assert type_status.last_failure(failed, NOW) == '12m 05s ago: timeout'
    unnamed = row(last_failure={**failed['last_failure'], 'error_name': None})
    assert type_status.last_failure(unnamed, NOW) == '12m 05s ago: SYSTEM'
    assert type_status.last_failure(row(), NOW) == '-'


def test_the_window_is_said_in_hours_when_it_is_whole_hours():
    assert type_status.window({'started': '2026-11-23T14:20:05.2Z',
                               'ended': '2026-11-23T17:20:05.9Z'}) == 'last 3 hours'
    assert type_status.window({'started': '2026-11-23T16:20:05Z',
                               'ended': '2026-11-23T17:20:05Z'}) == 'last hour'
    assert type_status.window({'started': '2026-11-23T17:00:05Z',
                               'ended': '2026-11-23T17:20:05Z'}) == 'last 20m 00s'
