"""A coordinator started while its database is down waits for it, and fails fast when it is
misconfigured (the e2e test in tests/e2e/test_postgres_outage.py starts a real one)."""

import peewee
import pytest

from coordinator import db, schema, startup
from tests.e2e.conftest import free_port

URL = 'postgresql://farm:secret@db.example:5432/farm'
REFUSED = ('connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
           '\tIs the server running on that host and accepting TCP/IP connections?')


@pytest.fixture(autouse=True)
def bound():
    """A bound database, whose connection the wait drops after each failure."""
    yield db.bind(db.open_database('sqlite:///:memory:'))
    db.database.close()


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def failing(*errors):
    """A first use of the database that raises each of `errors` in turn, then answers 'ok'."""
    pending = list(errors)

    def first_use():
        if pending:
            raise pending.pop(0)
        return 'ok'
    return first_use


@pytest.mark.parametrize('message', [
    REFUSED, 'FATAL:  the database system is starting up',
    'FATAL:  the database system is shutting down',
    'server closed the connection unexpectedly\n\tThis probably means the server terminated',
    'connection to server at "10.0.0.9", port 5432 failed: timeout expired'])
def test_a_server_that_is_down_or_starting_is_waited_for(message):
    assert startup.passing(peewee.OperationalError(message))


@pytest.mark.parametrize('message', [
    'FATAL:  password authentication failed for user "farm"',
    'FATAL:  database "farm" does not exist',
    'could not translate host name "db.exmaple" to address: Name or service not known',
    'unable to open database file', 'database or disk is full'])
def test_a_misconfigured_database_is_not_waited_for(message):
    assert not startup.passing(peewee.OperationalError(message))


def test_the_wait_says_why_and_when_it_tries_again_then_that_the_database_is_back():
    clock, said = Clock(), []
    result = startup.wait_for_database(
        failing(*[peewee.OperationalError(REFUSED)] * 3), URL, 60, said.append,
        sleep=clock.sleep, clock=clock)
    assert result == 'ok'
    assert clock.now == 1 + 2 + 4  # doubling delays
    assert len(said) == 4
    assert said[0] == (
        'database postgresql://farm:***@db.example:5432/farm unavailable (connection to server '
        'at "127.0.0.1", port 5432 failed: Connection refused): waiting for it, next try in 1 s '
        '(waited 0 of at most 60 s, FARM_DATABASE_WAIT_S)')
    assert said[-1] == 'database postgresql://farm:***@db.example:5432/farm is back after 7 s: ' \
                       'starting'


def test_delays_stop_growing_at_ten_seconds():
    clock, said = Clock(), []
    startup.wait_for_database(failing(*[peewee.OperationalError(REFUSED)] * 6), URL, 600,
                              said.append, sleep=clock.sleep, clock=clock)
    assert clock.now == 1 + 2 + 4 + 8 + 10 + 10


def test_a_database_that_outlasts_the_wait_fails_with_its_error():
    clock, said = Clock(), []
    with pytest.raises(peewee.OperationalError, match='Connection refused'):
        startup.wait_for_database(failing(*[peewee.OperationalError(REFUSED)] * 10), URL, 5,
                                  said.append, sleep=clock.sleep, clock=clock)
    assert clock.now == 1 + 2  # the next delay, 4 s, would end after the 5 s allowed
    assert len(said) == 2


def test_a_misconfiguration_fails_at_once_and_nothing_is_said():
    clock, said = Clock(), []
    with pytest.raises(peewee.OperationalError, match='password authentication'):
        startup.wait_for_database(
            failing(peewee.OperationalError('FATAL:  password authentication failed')), URL,
            600, said.append, sleep=clock.sleep, clock=clock)
    assert (clock.now, said) == (0, [])


def test_a_real_postgresql_url_where_nothing_listens_is_waited_for():
    db.bind(db.open_database(f'postgresql://farm:farm@127.0.0.1:{free_port()}/farm'))
    clock, said = Clock(), []
    with pytest.raises(peewee.OperationalError):
        startup.wait_for_database(schema.upgrade, URL, 2.5, said.append, sleep=clock.sleep,
                                  clock=clock)
    assert len(said) == 1 and 'Connection refused' in said[0]
