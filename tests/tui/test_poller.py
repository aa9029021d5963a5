"""The poller thread fetches what the screen on top needs, early when asked; reports failures."""

import threading

from farmworker.client import Unreachable
from tui.poller import Feed, Poller


class Collector:
    def __init__(self):
        self.replies = []
        self.arrived = threading.Condition()

    def __call__(self, reply):
        with self.arrived:
            self.replies.append(reply)
            self.arrived.notify_all()

    def wait_for(self, count, timeout_s=5.0):
        with self.arrived:
            arrived = self.arrived.wait_for(lambda: len(self.replies) >= count, timeout_s)
            assert arrived, self.replies


def test_a_new_screens_feeds_are_fetched_at_once_not_after_the_interval():
    deliver = Collector()
    poller = Poller(client='the client', interval_s=3600, deliver=deliver)
    poller.watch([Feed('a', lambda client: {'from': client})])
    poller.start()
    try:
        deliver.wait_for(1)
        poller.watch([Feed('b', lambda client: 'b data')])
        deliver.wait_for(2)  # within 5 s, though the interval is an hour
    finally:
        poller.stop()
    assert [(r.key, r.data) for r in deliver.replies[:2]] == [('a', {'from': 'the client'}),
                                                             ('b', 'b data')]


def test_a_failed_fetch_is_delivered_as_an_error_and_retried_soon():
    deliver = Collector()
    calls = []

    def down(client):
        calls.append(1)
        raise Unreachable('cannot reach the coordinator at http://x:1: connection refused')

    poller = Poller(client=None, interval_s=3600, deliver=deliver, retry_s=0.01)
    poller.watch([Feed('down', down), Feed('never', lambda client: 1 / 0)])
    poller.start()
    try:
        deliver.wait_for(3)
    finally:
        poller.stop()
    assert all(r.key == 'down' and isinstance(r.error, Unreachable) for r in deliver.replies)


def test_a_bug_in_reading_a_reply_is_reported_and_polling_goes_on():
    deliver = Collector()
    poller = Poller(client=None, interval_s=3600, deliver=deliver, retry_s=0.01)
    poller.watch([Feed('odd', lambda client: {}['runs'])])
    poller.start()
    try:
        deliver.wait_for(2)
    finally:
        poller.stop()
    assert str(deliver.replies[0].error) == "unexpected reply for odd: KeyError: 'runs'"
