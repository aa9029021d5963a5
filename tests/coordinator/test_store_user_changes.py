"""Store: a user's password changed or cleared, and a user deleted with its tokens, all audited."""

import json

import pytest

from coordinator.errors import NotFound, TooManyRequests
from coordinator.models import AuditLog, Run, User, Worker
from coordinator.store import guesses, runs, users, workers
from coordinator.store.access import Scope
from tests.conftest import PASSWORD


def audited(action: str) -> list[tuple[str, dict]]:
    return [(entry.object_id, json.loads(entry.detail or '{}'))
            for entry in AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id)]


def test_a_user_added_without_a_password_can_be_given_one(database):
    users.add_user('robot')
    users.set_password('robot', 'a new one')
    assert users.principal_for_password('robot', 'a new one').user_name == 'robot'
    assert users.list_users()[0]['password'] is True
    assert audited('user.password') == [('robot', {'cleared': False, 'revoked_tokens': 0})]


def test_a_new_password_replaces_the_old_one_and_keeps_the_tokens(alice):
    token = users.create_token(alice, Scope.WORKER)
    assert users.set_password(alice, 'second') == []
    assert users.principal_for_password(alice, PASSWORD) is None
    assert users.principal_for_password(alice, 'second') is not None
    assert users.principal_for_token(token) is not None


def test_a_password_change_can_revoke_every_token_of_the_user(alice):
    users.add_user('bob')
    root = users.create_token(alice)
    minted = users.mint_session_token(users.principal_for_token(root), ttl_s=60)
    bobs = users.create_token('bob')
    revoked = users.set_password(alice, 'second', revoke_tokens=True)
    assert len(revoked) == 2
    assert users.principal_for_token(root) is None and users.principal_for_token(minted) is None
    assert users.principal_for_token(bobs) is not None
    assert sorted(int(token_id) for token_id, _ in audited('token.revoke')) == sorted(revoked)
    assert audited('user.password') == [(alice, {'cleared': False, 'revoked_tokens': 2})]


def test_a_cleared_password_leaves_the_user_tokens_only(alice):
    token = users.create_token(alice)
    users.set_password(alice, None)
    assert users.principal_for_password(alice, PASSWORD) is None
    assert users.list_users()[0]['password'] is False
    assert users.principal_for_token(token) is not None
    assert audited('user.password') == [(alice, {'cleared': True, 'revoked_tokens': 0})]


def test_a_new_password_lifts_the_limit_that_guesses_at_the_old_one_reached(alice):
    limits = guesses.Limits(window_s=600, per_name=2, per_address=100)
    for _ in range(2):
        guesses.record_failure(limits, alice, '10.0.0.1', now=1000.0)
    with pytest.raises(TooManyRequests):
        guesses.refuse_if_limited(limits, alice, '10.0.0.2', now=1001.0)
    users.set_password(alice, 'second')
    guesses.refuse_if_limited(limits, alice, '10.0.0.2', now=1001.0)


def test_deleting_a_user_deletes_its_tokens_and_keeps_its_runs_and_workers(alice_principal):
    alice = alice_principal.user_name
    run = runs.create_run(alice_principal, 3)
    workers.register_worker(alice_principal, 'w-1', 'node01', 42)
    token = users.create_token(alice, Scope.WORKER, run.uuid)
    users.add_user('bob')
    bobs = users.create_token('bob')
    assert users.user_holdings(alice) == users.Holdings(tokens=1, runs=1)
    assert users.delete_user(alice) == users.Holdings(tokens=1, runs=1)
    assert not User.select().where(User.name == alice).exists()
    assert users.principal_for_token(token) is None and users.principal_for_token(bobs)
    assert Run.get_by_id(run.id).owner_id is None
    assert Worker.get(Worker.uuid == 'w-1').owner_id is None
    assert len(audited('token.revoke')) == 1
    assert audited('user.delete') == [(alice, {'revoked_tokens': 1, 'runs_kept': 1})]
    users.add_user(alice, 'again')  # the name is free again
    assert runs.find_run(users.principal_for_password(alice, 'again'), run.uuid).id == run.id


def test_an_unknown_user_can_neither_be_deleted_nor_given_a_password(database):
    for change in (lambda: users.set_password('nobody', 'x'), lambda: users.delete_user('nobody'),
                   lambda: users.user_holdings('nobody')):
        with pytest.raises(NotFound, match="no user 'nobody'"):
            change()
    assert audited('user.password') == audited('user.delete') == []
