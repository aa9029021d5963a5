"""The protocol client against a dead port and a stand-in coordinator: retries and giving up."""

import logging
import socket
from time import monotonic

import pytest

from farmworker.backoff import Backoff
from farmworker.client import Client, Refused, Unreachable
from tests.farmworker.farm.fake_coordinator import FakeCoordinator


@pytest.fixture
def dead_url():
    """A local port that was free a moment ago: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return f'http://127.0.0.1:{port}'


class Time:
    """A clock that only the injected sleep advances."""

    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_retry_within_caps_every_delay_of_a_long_outage(dead_url):
    time = Time()
    client = Client(dead_url, 't', backoff=Backoff(base_s=0.5, cap_s=60, rng=lambda: 1.0),
                    sleep=time.sleep, clock=lambda: time.now)
    client.retry_within(2.0)
    with pytest.raises(Unreachable, match='not reachable for 30 s'):
        client.call('GET', '/health', give_up_s=30)
    assert client.retried
    assert time.sleeps[:3] == [0.5, 1.0, 2.0]
    assert max(time.sleeps) == 2.0 and len(time.sleeps) >= 14


def test_retry_within_never_goes_below_the_base_delay():
    backoff = Backoff(base_s=0.5, cap_s=60)
    Client('http://127.0.0.1:9', 't', backoff=backoff).retry_within(0.1)
    assert backoff.cap_s == 0.5


@pytest.mark.parametrize('url', ['ftp://host', 'localhost:8080', 'http://host:99999', 'http://'])
def test_a_url_that_is_not_a_coordinator_url_is_refused_with_the_reason(url):
    with pytest.raises(ValueError, match='not a coordinator URL'):
        Client(url, 't')


@pytest.fixture
def fake():
    coordinator = FakeCoordinator()
    yield coordinator
    coordinator.close()


def test_a_request_whose_body_the_coordinator_stopped_waiting_for_is_sent_again(fake):
    """408: the body stalled on the way and was never acted on, so sending it again is safe."""
    fake.replies[('POST', '/farm/v1/runs/r/results')] = [
        (408, {'msg': 'request body not received within 10 s'}),
        (200, {'accepted': [0], 'refused': []})]
    time = Time()
    client = Client(fake.url, 't', sleep=time.sleep, clock=lambda: time.now)
    assert client.call('POST', '/runs/r/results', {'results': []}) == {'accepted': [0],
                                                                      'refused': []}
    assert client.retried and len(fake.requests) == 2 and len(time.sleeps) == 1


def test_other_4xx_answers_are_refusals_and_not_sent_again(fake):
    fake.reply('POST', '/runs/r/results', {'msg': 'no such run'}, status=404)
    with pytest.raises(Refused, match='no such run'):
        Client(fake.url, 't', sleep=Time().sleep).call('POST', '/runs/r/results', {})
    assert len(fake.requests) == 1


def test_a_call_waiting_out_an_outage_gives_up_once_its_caller_has_no_time_left(dead_url):
    """An agent told to drain mid-outage (a signal sets a flag) must not sleep the wait out."""
    time = Time()
    drain_at = []

    def sleep(seconds):
        time.sleep(seconds)
        if time.now >= 3 and not drain_at:
            drain_at.append(time.now)  # from now on the caller has no time left

    client = Client(dead_url, 't', backoff=Backoff(base_s=0.5, cap_s=60, rng=lambda: 1.0),
                    sleep=sleep, clock=lambda: time.now)
    client.limit_waits(lambda: drain_at[0] - time.now if drain_at else None)
    with pytest.raises(Unreachable, match='connection refused'):
        client.call('POST', '/workers/w/heartbeat', {})
    # the tries were at 0, 0.5 and 1.5 s; the next was due at 3.5 s
    assert drain_at and time.now < 3.5


def test_a_coordinator_that_never_answers_holds_a_call_only_as_long_as_its_caller_allows():
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(('127.0.0.1', 0))
        silent.listen(8)
        client = Client(f'http://127.0.0.1:{silent.getsockname()[1]}', 't', timeout_s=60)
        deadline = monotonic() + 1.5
        client.limit_waits(lambda: deadline - monotonic())
        with pytest.raises(Unreachable, match='timed out'):
            client.call('POST', '/workers/w/stop', {'reason': 'SIGTERM'})
        assert monotonic() < deadline + 1.0


def test_fetch_returns_the_bytes_as_answered_after_retrying_as_a_call_does(fake):
    fake.replies[('GET', '/farm/v1/revisions/7/code')] = [(503, {'msg': 'busy'}),
                                                          (200, 'PK-not-json')]
    time = Time()
    client = Client(fake.url, 't', sleep=time.sleep, clock=lambda: time.now)
    assert client.fetch('/revisions/7/code') == b'"PK-not-json"'
    assert client.retried and len(fake.requests) == 2 and len(time.sleeps) == 1
    fake.reply('GET', '/revisions/8/code', {'msg': 'no code revision 8'}, status=404)
    with pytest.raises(Refused, match='no code revision 8'):
        client.fetch('/revisions/8/code')


def test_an_agent_says_an_outage_began_and_ended_not_each_retry(fake, caplog):
    caplog.set_level(logging.INFO, logger='farmworker.client')
    busy = (503, {'msg': 'database unavailable, retry shortly'})
    fake.replies[('POST', '/farm/v1/workers/w/heartbeat')] = [busy] * 20 + [(200, {})]
    time = Time()
    client = Client(fake.url, 't', backoff=Backoff(base_s=0.5, cap_s=60, rng=lambda: 1.0),
                    sleep=time.sleep, clock=lambda: time.now)
    client.retry_within(1.0)  # as an agent does, at its heartbeat interval
    assert client.call('POST', '/workers/w/heartbeat', {}) == {}
    assert [record.getMessage() for record in caplog.records] == [
        'coordinator unavailable (HTTP 503: database unavailable, retry shortly); retrying at '
        'least every 1 s',
        'coordinator back after 19.5 s, 20 retries']
    assert len(fake.requests) == 21
