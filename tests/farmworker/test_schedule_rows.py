"""How `farm` and `farm-tui` say when a schedule fires next, whatever its family."""

from farmworker import schedule_rows

NOW = '2026-11-23T17:20:00Z'


def row(family: str, **fields) -> dict:
    return {'family': family, 'is_paused': False, 'next_fire_at': '2026-11-23T17:25:00Z',
            **fields}


def test_a_stopped_cron_job_is_paused_and_a_stopped_ironworker_schedule_cancelled():
    assert schedule_rows.next_fire(row('ndscheduler', is_paused=True), NOW) == 'paused'
    assert schedule_rows.next_fire(row('ironworker', is_paused=True), NOW) == 'cancelled'
    assert schedule_rows.next_fire(row('ironworker', next_fire_at=None), NOW) == 'finished'
    assert schedule_rows.next_fire(row('ironworker'), NOW) == 'in 5m 00s'


def test_the_state_a_summary_counts_is_the_one_next_fire_shows():
    rows = [row('ndscheduler', is_paused=True), row('ironworker', is_paused=True),
            row('ironworker', next_fire_at=None), row('ndscheduler')]
    assert [schedule_rows.state(r) for r in rows] == [
        'paused', 'cancelled', 'finished', 'scheduled']
