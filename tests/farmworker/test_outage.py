"""An outage of the coordinator is told in a few lines: when it starts, with its reason and
how often the agent retries; a summary every 30 s; when it ends, after how long and how many
retries. Not a line per retry."""

import logging

import pytest

from farmworker.outage import Outage
from tests.coordinator.test_outage_notes import Clock, said

REFUSED = 'connection refused'


@pytest.fixture
def outage(caplog):
    caplog.set_level(logging.WARNING)
    clock = Clock()
    return Outage(logging.getLogger('test.outage'), clock=clock), clock


def test_a_long_outage_is_its_start_a_line_every_30_s_and_its_end(outage, caplog):
    outage, clock = outage
    for _ in range(70):  # 70 s of retries, one a second
        outage.retrying('HTTP 503: database unavailable, retry shortly', 1.0)
        clock.now += 1
    outage.answered()
    outage.answered()  # said once
    assert said(caplog) == [
        'coordinator unavailable (HTTP 503: database unavailable, retry shortly); retrying at '
        'least every 1 s',
        'coordinator still unavailable after 30 s (30 retries since the last line; the last: '
        'HTTP 503: database unavailable, retry shortly)',
        'coordinator still unavailable after 60 s (30 retries since the last line; the last: '
        'HTTP 503: database unavailable, retry shortly)',
        'coordinator back after 70.0 s, 70 retries']


def test_nothing_is_said_while_the_coordinator_answers(outage, caplog):
    outage, clock = outage
    for _ in range(3):
        outage.answered()
        clock.now += 1
    assert said(caplog) == []


def test_each_outage_is_told_with_its_own_reason_and_count(outage, caplog):
    outage, clock = outage
    outage.retrying(REFUSED, 0.5)
    clock.now += 2.5
    outage.retrying(REFUSED, 1.0)
    outage.answered()
    clock.now += 600
    outage.retrying('timed out', 1.0)
    clock.now += 1
    outage.answered()
    assert said(caplog) == [
        'coordinator unavailable (connection refused); retrying at least every 0.5 s',
        'coordinator back after 2.5 s, 2 retries',
        'coordinator unavailable (timed out); retrying at least every 1 s',
        'coordinator back after 1.0 s, 1 retries']
