"""Store: failed password checks are counted per user name and per address, for a window."""

import pytest

from coordinator.errors import TooManyRequests
from coordinator.models import AuditLog, PasswordFailure
from coordinator.store import guesses

LIMITS = guesses.Limits(window_s=300, per_name=3, per_address=5)


def fail(name: str, address: str, now: float) -> None:
    guesses.record_failure(LIMITS, name, address, now=now)


def test_a_name_is_refused_once_it_failed_enough_until_its_oldest_failure_leaves_the_window(
        database):
    for now, address in ((1000.0, '10.0.0.1'), (1010.0, '10.0.0.2'), (1020.0, '10.0.0.3')):
        guesses.refuse_if_limited(LIMITS, 'alice', address, now=now)
        fail('alice', address, now)
    with pytest.raises(TooManyRequests) as refused:
        guesses.refuse_if_limited(LIMITS, 'alice', '10.0.0.9', now=1030.0)
    assert refused.value.retry_after_s == 270 and 'user name' in refused.value.msg
    guesses.refuse_if_limited(LIMITS, 'bob', '10.0.0.9', now=1030.0)
    guesses.refuse_if_limited(LIMITS, 'alice', '10.0.0.9', now=1300.5)


def test_an_address_is_refused_once_it_failed_enough_whatever_the_names(database):
    for number in range(5):
        fail(f'user{number}', '10.0.0.1', 1000.0 + number)
    with pytest.raises(TooManyRequests) as refused:
        guesses.refuse_if_limited(LIMITS, 'somebody', '10.0.0.1', now=1010.0)
    assert refused.value.retry_after_s == 290 and 'address' in refused.value.msg
    guesses.refuse_if_limited(LIMITS, 'somebody', '10.0.0.2', now=1010.0)


def test_using_up_a_limit_is_audited_with_the_name_and_the_address(database):
    for now in (1000.0, 1001.0, 1002.0, 1003.0):
        fail('alice', '10.0.0.1', now)
    (entry,) = AuditLog.select().where(AuditLog.action == 'password.limit')
    assert (entry.object_type, entry.object_id, entry.created_at) == ('user', 'alice', 1002.0)
    assert '"address": "10.0.0.1"' in entry.detail and '"limited": "name"' in entry.detail


def test_failures_older_than_the_window_are_forgotten(database):
    fail('alice', '10.0.0.1', 1000.0)
    fail('bob', '10.0.0.2', 1400.0)
    assert [row.name for row in PasswordFailure.select()] == ['bob']


def test_a_long_address_is_kept_and_counted_by_its_first_64_characters(database):
    address = 'fe80::1%' + 'x' * 100
    for now in (1000.0, 1001.0, 1002.0, 1003.0, 1004.0):
        fail(f'user{now:.0f}', address, now)
    with pytest.raises(TooManyRequests):
        guesses.refuse_if_limited(LIMITS, 'somebody', address, now=1005.0)
