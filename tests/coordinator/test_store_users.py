"""Store: users, password checks and tokens that are stored hashed."""

import pytest

from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from coordinator.models import AuditLog, Token, User
from coordinator.store import runs, users
from coordinator.store.access import Scope
from tests.conftest import PASSWORD


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


def test_token_lists_show_who_and_what_but_never_a_secret(alice):
    users.add_user('bob')
    lasting = users.create_token(alice, now=1000.0)
    users.create_token('bob', Scope.WORKER, now=1001.0)
    users.create_token(alice, ttl_s=60, now=1002.0)
    listed = users.list_tokens(now=2000.0)
    assert [(t.user_name, t.scope, t.expires_at) for t in listed] == [
        (alice, 'user', None), ('bob', 'worker', None)]
    assert lasting not in repr(listed)
    assert [t.expires_at for t in users.list_tokens(alice, include_expired=True, now=2000.0)] \
        == [None, 1062.0]
    with pytest.raises(NotFound):
        users.list_tokens('nobody')


def test_revoked_tokens_stop_working_and_are_audited(alice):
    first, second = users.create_token(alice), users.create_token(alice)
    first_id, second_id = (t.id for t in users.list_tokens(alice))
    assert users.revoke_tokens(ids=[first_id]) == [first_id]
    assert users.principal_for_token(first) is None
    assert users.principal_for_token(second) is not None
    assert users.revoke_tokens(secret=second) == [second_id]
    assert users.principal_for_token(second) is None
    revokes = AuditLog.select().where(AuditLog.action == 'token.revoke')
    assert sorted(int(entry.object_id) for entry in revokes) == [first_id, second_id]


def test_revoking_by_user_or_expiry_takes_exactly_those_tokens(alice):
    users.add_user('bob')
    bobs = users.create_token('bob')
    stale = users.create_token(alice, ttl_s=10, now=1000.0)
    fresh = users.create_token(alice, ttl_s=10_000, now=1000.0)
    assert len(users.revoke_tokens(expired=True, now=2000.0)) == 1
    assert users.principal_for_token(stale, now=1005.0) is None
    assert users.principal_for_token(fresh, now=2000.0) is not None
    assert len(users.revoke_tokens(user_name=alice)) == 1
    assert users.principal_for_token(fresh, now=2000.0) is None
    assert users.principal_for_token(bobs) is not None


def test_a_revocation_that_names_an_unknown_token_revokes_nothing(alice):
    token = users.create_token(alice)
    (known,) = (t.id for t in users.list_tokens(alice))
    with pytest.raises(NotFound, match=str(known + 1)):
        users.revoke_tokens(ids=[known, known + 1])
    with pytest.raises(NotFound):
        users.revoke_tokens(secret='farm_never-issued')
    with pytest.raises(NotFound):
        users.revoke_tokens(user_name='nobody')
    with pytest.raises(InvalidInput):
        users.revoke_tokens()
    with pytest.raises(InvalidInput):
        users.revoke_tokens(ids=[known], user_name=alice)
    assert users.principal_for_token(token) is not None


def test_deleting_a_run_deletes_the_tokens_bound_to_it(alice_principal):
    run = runs.create_run(alice_principal, 3)
    bound = users.create_token(alice_principal.user_name, Scope.WORKER, run.uuid)
    runs.delete_run(alice_principal, run.uuid)
    assert users.principal_for_token(bound) is None
    assert users.list_tokens(alice_principal.user_name, include_expired=True) == []


def test_revoking_a_token_revokes_the_tokens_it_minted(alice):
    root = users.create_token(alice)
    lasting = users.create_own_token(users.principal_for_token(root), Scope.USER)
    session = users.mint_session_token(users.principal_for_token(lasting), ttl_s=3600)
    grandchild = users.mint_session_token(users.principal_for_token(session), ttl_s=3600)
    sibling = users.create_token(alice)
    root_id = users.list_tokens(alice)[0].id
    revoked = users.revoke_tokens(ids=[root_id])
    assert len(revoked) == 4 and revoked[0] == root_id
    for secret in (root, lasting, session, grandchild):
        assert users.principal_for_token(secret) is None
    assert users.principal_for_token(sibling) is not None
    audited = AuditLog.select().where(AuditLog.action == 'token.revoke')
    assert sorted(int(entry.object_id) for entry in audited) == sorted(revoked)


def test_minted_tokens_name_their_parent_and_cli_tokens_are_roots(alice):
    root = users.create_token(alice)
    users.mint_session_token(users.principal_for_token(root), ttl_s=60)
    users.mint_session_token(users.principal_for_password(alice, PASSWORD), ttl_s=60)
    root_id, child, by_password = users.list_tokens(alice)
    assert (root_id.parent_id, child.parent_id, by_password.parent_id) == (None, root_id.id, None)


def test_a_revoked_token_cannot_mint_even_while_its_principal_is_remembered(alice):
    secret = users.create_token(alice)
    remembered = users.principal_for_token(secret)  # what a process's token cache holds
    users.revoke_tokens(secret=secret)
    with pytest.raises(Unauthorized):
        users.mint_session_token(remembered, ttl_s=60)
    with pytest.raises(Unauthorized):
        users.create_own_token(remembered, Scope.WORKER)
    assert users.list_tokens(alice, include_expired=True) == []


def test_an_expired_token_cannot_mint_and_a_minted_token_never_outlives_its_parent(alice):
    parent = users.principal_for_token(users.create_token(alice, ttl_s=60, now=1000.0), now=1000.0)
    child = users.mint_session_token(parent, ttl_s=3600, now=1010.0)
    assert users.principal_for_token(child, now=1059.0) is not None
    assert users.principal_for_token(child, now=1060.0) is None
    with pytest.raises(Unauthorized):
        users.mint_session_token(parent, ttl_s=60, now=1060.0)


def test_token_ids_are_never_reused_after_a_revoke(alice):
    users.create_token(alice)
    users.create_token(alice)
    last = users.list_tokens(alice)[-1].id
    users.revoke_tokens(ids=[last])
    users.create_token(alice)
    assert users.list_tokens(alice)[-1].id > last
