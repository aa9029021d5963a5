"""State: the last good reply per feed, the connection's health, and a bound on what it keeps."""

from farmworker.client import Refused, Unreachable
from tui.poller import Reply
from tui.state import KEEP_REPLIES, State


def test_an_outage_keeps_the_last_data_and_marks_the_connection():
    state = State()
    state.apply(Reply('overview', data={'now': '2026-11-23T17:20:05+00:00', 'tasks': {}}))
    state.apply(Reply('overview', error=Unreachable('cannot reach the coordinator')))
    assert state.replies['overview']['tasks'] == {}
    assert (state.connection.kind, state.connection.server_now) == (
        'unreachable', '2026-11-23T17:20:05+00:00')


def test_a_404_is_about_the_thing_not_the_connection():
    state = State()
    state.apply(Reply('run/x', data={'uuid': 'x'}))
    state.apply(Reply('run/x', error=Refused(404, 'no run x')))
    assert 'run/x' not in state.replies and state.connection.ok


def test_only_the_most_recent_replies_are_kept():
    state = State()
    for number in range(KEEP_REPLIES + 10):
        state.apply(Reply(f'task/r/{number}', data={'log_tail': 'x' * 1000}))
    state.apply(Reply('task/r/10', data={}))  # seen again: now the most recent
    assert len(state.replies) == KEEP_REPLIES
    assert 'task/r/0' not in state.replies and list(state.replies)[-1] == 'task/r/10'
