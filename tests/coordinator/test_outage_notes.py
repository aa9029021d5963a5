"""A database outage is logged in a few lines: its start with the cause, a summary every 30 s,
and its end; not a line per failed request or background pass."""

import logging

import pytest

from coordinator.outage_notes import OutageNotes

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def notes(caplog):
    caplog.set_level(logging.WARNING)
    clock = Clock()
    return OutageNotes(logging.getLogger('test.outage'), clock=clock), clock


def said(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_an_outage_is_its_first_failure_a_summary_every_30_s_and_its_end(notes, caplog):
    notes, clock = notes
    for _ in range(200):  # 100 s of failures, two a second
        notes.failed('POST /farm/v1/runs/x/claim', REFUSED)
        clock.now += 0.5
    notes.recovered()
    notes.recovered()  # said once
    assert said(caplog) == [
        f'database unavailable: POST /farm/v1/runs/x/claim failed: {REFUSED} (503s with '
        'Retry-After until it is back; further failures summed up every 30 s)',
        'database still unavailable after 30 s (60 more failures, the last POST '
        f'/farm/v1/runs/x/claim): {REFUSED}',
        'database still unavailable after 60 s (60 more failures, the last POST '
        f'/farm/v1/runs/x/claim): {REFUSED}',
        'database still unavailable after 90 s (60 more failures, the last POST '
        f'/farm/v1/runs/x/claim): {REFUSED}',
        'database available again after 100 s of failures']


def test_nothing_is_said_while_the_database_answers(notes, caplog):
    notes, clock = notes
    for _ in range(3):
        notes.recovered()
        clock.now += 1
    assert said(caplog) == []


def test_a_failure_after_a_quiet_spell_is_a_new_outage_with_its_own_cause(notes, caplog):
    notes, clock = notes
    notes.failed('GET /farm/v1/runs', REFUSED)
    clock.now += 11  # no failure for longer than quiet_s, and no pass said it was back
    notes.failed('POST /farm/v1/runs', 'the disk holding the database is full')
    assert len(said(caplog)) == 2
    assert said(caplog)[1].startswith('database unavailable: POST /farm/v1/runs failed: the '
                                      'disk holding the database is full')
