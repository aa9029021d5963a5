"""Store: users, password checks and tokens that are stored hashed."""

import pytest

from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.models import Token, User
from coordinator.store import runs, users
from coordinator.store.access import Scope


def test_passwords_and_tokens_are_stored_hashed(alice):
    secret = users.create_token(alice)
    row = User.get(User.name == alice)
    assert 'correct horse' not in row.password_hash
    assert not Token.select().where(Token.digest.contains(secret)).exists()
    assert users.principal_for_token(secret).user_name == alice


def test_a_wrong_password_or_unknown_user_is_refused(alice):
    assert users.principal_for_password(alice, 'wrong') is None
    assert users.principal_for_password('nobody', 'x') is None


def test_a_user_without_password_cannot_log_in_with_one(database):
    users.add_user('robot')
    assert users.principal_for_password('robot', '') is None
    assert users.principal_for_token(users.create_token('robot', Scope.WORKER)).scope is Scope.WORKER


def test_expired_tokens_stop_working(alice):
    secret = users.create_token(alice, ttl_s=60, now=1000.0)
    assert users.principal_for_token(secret, now=1059.0) is not None
    assert users.principal_for_token(secret, now=1060.0) is None


def test_a_session_token_keeps_the_scope_and_run_of_its_parent(alice):
    run = runs.create_run(users.principal_for_password(alice, 'correct horse battery staple'), 3)
    parent = users.principal_for_token(users.create_token(alice, Scope.WORKER, run.uuid))
    child = users.principal_for_token(users.mint_session_token(parent, ttl_s=60))
    assert (child.scope, child.run_id) == (Scope.WORKER, parent.run_id)


def test_only_admins_get_admin_tokens(alice):
    with pytest.raises(Forbidden):
        users.create_token(alice, Scope.ADMIN)
    users.add_user('root', 'pw', admin=True)
    assert users.principal_for_token(users.create_token('root', Scope.ADMIN)).is_admin


def test_duplicate_and_malformed_user_names_are_refused(alice):
    with pytest.raises(Conflict):
        users.add_user(alice, 'x')
    with pytest.raises(InvalidInput):
        users.add_user('has space')
    with pytest.raises(NotFound):
        users.create_token('nobody')

