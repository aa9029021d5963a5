"""Users and API tokens: a slow password check mints tokens, a token check is one indexed read."""

import dataclasses
import hashlib
import re
import secrets
import time
from collections.abc import Sequence

import peewee

from coordinator.db import database, run_sql
from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from coordinator.models import PasswordFailure, Project, Run, Token, User
from coordinator.passwords import UNMATCHABLE_HASH, hash_password, verify_password
from coordinator.schema import DEFAULT_PROJECT
from coordinator.store import audit
from coordinator.store.access import Principal, Scope, require_manager, require_unbound

TOKEN_PREFIX = 'farm_'
_NAME = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}')


def is_user_name(name: str) -> bool:
    """Whether a user could have this name: any other is refused when a user is added."""
    return _NAME.fullmatch(name) is not None


def token_digest(secret: str) -> str:
    """What is stored for a token: its SHA-256, so a leaked database leaks no usable token."""
    return hashlib.sha256(secret.encode()).hexdigest()


def add_user(name: str, password: str | None = None, *, admin: bool = False,
             project: str = DEFAULT_PROJECT) -> User:
    """Create a user (in `project`, created if new); without a password it can only use tokens."""
    for label, value in (('user name', name), ('project name', project)):
        if not _NAME.fullmatch(value):
            raise InvalidInput(f'{label} {value!r}: use 1-64 letters, digits and _.@- ')
    password_hash = hash_password(password) if password else None
    with database.write():
        if User.select().where(User.name == name).exists():
            raise Conflict(f'user {name!r} already exists')
        owning_project, _ = Project.get_or_create(name=project)
        user = User.create(name=name, password_hash=password_hash, is_admin=admin,
                           project=owning_project)
        audit.record(None, 'user.add', 'user', name, project_id=owning_project.id, admin=admin)
    return user


def set_password(name: str, password: str | None, *, revoke_tokens: bool = False,
                 now: float | None = None) -> list[int]:
    """Give a user a new password, or none (None: tokens only); returns the tokens revoked.

    The user's tokens keep working unless `revoke_tokens`: the agents running with
    them are not stopped by a password change. Failed checks of the old password are
    forgotten, so a user they locked out can log in with the new one at once.
    """
    now = time.time() if now is None else now
    password_hash = hash_password(password) if password else None  # slow: before the lock
    with database.write():
        user = _user(name)
        if not User.update(password_hash=password_hash).where(User.id == user.id).execute():
            raise NotFound(f'no user {name!r}')
        PasswordFailure.delete().where(PasswordFailure.name == name).execute()
        revoked = _revoke(_revocable(Token.user == user.id), now) if revoke_tokens else []
        audit.record(None, 'user.password', 'user', name, project_id=user.project_id, now=now,
                     cleared=password_hash is None, revoked_tokens=len(revoked))
    return revoked


@dataclasses.dataclass(frozen=True, slots=True)
class Holdings:
    """What deleting a user touches: its tokens go with it, its runs stay without an owner."""

    tokens: int
    runs: int


def user_holdings(name: str) -> Holdings:
    """The tokens and runs of a user, to say what deleting it would do."""
    return _holdings(_user(name))


def delete_user(name: str, now: float | None = None) -> Holdings:
    """Delete a user with its tokens (and those they minted); returns what it held.

    Its runs and workers stay in its project without an owner (the foreign keys set
    it null), so deleting a person never deletes work others may be watching.
    """
    now = time.time() if now is None else now
    with database.write():
        user = _user(name)
        held = _holdings(user)
        revoked = _revoke(_revocable(Token.user == user.id), now)
        if not User.delete().where(User.id == user.id).execute():
            raise NotFound(f'no user {name!r}')
        audit.record(None, 'user.delete', 'user', name, project_id=user.project_id, now=now,
                     revoked_tokens=len(revoked), runs_kept=held.runs)
    return held


def _holdings(user: User) -> Holdings:
    return Holdings(tokens=Token.select().where(Token.user == user.id).count(),
                    runs=Run.select().where((Run.owner == user.id) & ~Run.deleting).count())


def list_users() -> list[dict]:
    """Every user with their project, admin flag and whether a password is set."""
    query = (User.select(User, Project.name.alias('project_name'))
             .join(Project).order_by(User.name).dicts())
    return [
        {'name': row['name'], 'project': row['project_name'], 'admin': row['is_admin'],
         'password': row['password_hash'] is not None, 'created_at': row['created_at']}
        for row in query
    ]


def create_token(user_name: str, scope: Scope = Scope.USER, run_uuid: str | None = None, *,
                 ttl_s: float | None = None, now: float | None = None) -> str:
    """Create a root token for a user; returns the secret, which is never stored or shown again."""
    return _create_token(_user(user_name), scope, run_uuid, ttl_s=ttl_s, now=now)


def create_own_token(principal: Principal, scope: Scope, run_uuid: str | None = None,
                     now: float | None = None) -> str:
    """A lasting token for the caller (`farm login`), never more powerful than the credential used.

    Made with a token, it belongs to that token as `mint_session_token` says, so it
    lasts only as long as that token does.
    """
    require_manager(principal)
    require_unbound(principal)
    if scope is Scope.ADMIN and not principal.is_admin:
        raise Forbidden('only an admin may create an admin token')
    return _create_token(_user(principal.user_name), scope, run_uuid, minted_by=principal, now=now)


def _create_token(user: User, scope: Scope, run_uuid: str | None, *,
                  minted_by: Principal | None = None, ttl_s: float | None = None,
                  now: float | None = None) -> str:
    now = time.time() if now is None else now
    if scope is Scope.ADMIN and not user.is_admin:
        raise Forbidden(f'user {user.name!r} is not an admin; an admin token needs one')
    run_id = None
    if run_uuid is not None:
        run = Run.get_or_none((Run.uuid == run_uuid) & (Run.project == user.project_id))
        if run is None:
            raise NotFound(f'no run {run_uuid!r} in the project of {user.name!r}')
        run_id = run.id
    principal = Principal(user.id, user.name, user.project_id, scope, run_id)
    with database.write():
        secret, token_id, parent_id = _insert_token(principal, minted_by, ttl_s, now)
        audit.record(minted_by or principal, 'token.create', 'token', token_id, now=now,
                     user=user.name, scope=scope.value, run=run_uuid, parent=parent_id)
    return secret


def mint_session_token(principal: Principal, ttl_s: float, now: float | None = None) -> str:
    """A fresh token with the caller's scope and run binding, expiring after `ttl_s`.

    A token minted with a token belongs to it: it expires no later than its parent,
    and revoking the parent revokes it. The parent is read from the database here,
    whatever a token cache remembers, so a revoked or expired token mints nothing.
    """
    now = time.time() if now is None else now
    with database.write():
        Token.delete().where((Token.user == principal.user_id) & ~_unexpired(now)).execute()
        return _insert_token(principal, principal, ttl_s, now)[0]


def _insert_token(principal: Principal, minted_by: Principal | None, ttl_s: float | None,
                  now: float) -> tuple[str, int, int | None]:
    """(secret, id, parent id) of a new token for `principal`, minted with `minted_by`."""
    parent_id = minted_by.token_id if minted_by else None
    expires_at = None if ttl_s is None else now + ttl_s
    if parent_id is not None:
        parent_expires_at = _live_token_expiry(parent_id, now)
        if parent_expires_at is not None and (expires_at is None or expires_at > parent_expires_at):
            expires_at = parent_expires_at
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = Token.insert(user=principal.user_id, digest=token_digest(secret),
                            scope=principal.scope.value, run=principal.run_id, created_at=now,
                            expires_at=expires_at, parent=parent_id).execute()
    return secret, token_id, parent_id


def _live_token_expiry(token_id: int, now: float) -> float | None:
    """When a token expires (None: never), locked against a revoke; Unauthorized once it is gone."""
    row = run_sql('SELECT expires_at FROM token WHERE id = ? '
                  'AND (expires_at IS NULL OR expires_at > ?) FOR UPDATE',
                  (token_id, now)).fetchone()
    if row is None:
        raise Unauthorized('the token used was revoked or has expired')
    return row[0]


@dataclasses.dataclass(frozen=True, slots=True)
class TokenInfo:
    """A token as `token list` shows it: everything but the secret, which is not stored."""

    id: int
    user_name: str
    scope: str
    run_uuid: str | None
    created_at: float
    expires_at: float | None
    parent_id: int | None  # the token it was minted with; None for a root


def list_tokens(user_name: str | None = None, *, include_expired: bool = False,
                now: float | None = None) -> list[TokenInfo]:
    """Every user's tokens, or one user's, oldest first; expired ones only when asked."""
    now = time.time() if now is None else now
    query = (Token.select(Token.id, User.name, Token.scope, Run.uuid, Token.created_at,
                          Token.expires_at, Token.parent)
             .join(User).switch(Token).join(Run, peewee.JOIN.LEFT_OUTER)
             .order_by(Token.id))
    if user_name is not None:
        query = query.where(Token.user == _user(user_name).id)
    if not include_expired:
        query = query.where(_unexpired(now))
    return [TokenInfo(*row) for row in query.tuples()]


def revoke_tokens(*, ids: Sequence[int] = (), user_name: str | None = None,
                  secret: str | None = None, expired: bool = False,
                  now: float | None = None) -> list[int]:
    """Delete tokens, chosen by exactly one of: ids, a user, a secret, or all expired ones.

    The tokens they minted go with them, and those tokens' own, and so on. Returns
    the ids revoked, those chosen first (each audited). Unknown ids or an unknown
    secret revoke nothing and raise NotFound. Each server process may still accept
    a token it checked within its last FARM_TOKEN_CACHE_S seconds.
    """
    now = time.time() if now is None else now
    if sum(map(bool, (ids, user_name is not None, secret is not None, expired))) != 1:
        raise InvalidInput('choose the tokens to revoke: ids, a user, a secret or the expired ones')
    if ids:
        where = Token.id.in_(list(ids))
    elif user_name is not None:
        where = Token.user == _user(user_name).id
    elif secret is not None:
        where = Token.digest == token_digest(secret)
    else:
        where = ~_unexpired(now)
    with database.write():
        chosen = _revocable(where)
        missing = sorted(set(ids) - {token_id for token_id, _, _ in chosen})
        if missing:
            raise NotFound(f'no token with id {", ".join(map(str, missing))}')
        if secret is not None and not chosen:
            raise NotFound('no token has that secret')
        return _revoke(chosen, now)


def _revoke(chosen: list[tuple[int, int, int | None]], now: float) -> list[int]:
    """Delete the `_revocable` tokens `chosen` and those they minted, each audited; their ids."""
    rows = chosen + _minted_by([token_id for token_id, _, _ in chosen])
    revoked = [token_id for token_id, _, _ in rows]
    Token.delete().where(Token.id.in_(revoked)).execute()
    for token_id, project_id, parent_id in rows:
        # a token revoked because its parent was says which one
        audit.record(None, 'token.revoke', 'token', token_id, project_id=project_id, now=now,
                     **({'parent': parent_id} if parent_id is not None else {}))
    return revoked


def _revocable(where) -> list[tuple[int, int, int | None]]:
    """(id, project id, parent id) of the tokens `where` selects, in id order."""
    return list(Token.select(Token.id, User.project, Token.parent).join(User).where(where)
                .order_by(Token.id).tuples())


def _minted_by(token_ids: list[int]) -> list[tuple[int, int, int | None]]:
    """`_revocable` rows of every token minted by one of `token_ids`, directly or not."""
    found, frontier, seen = [], token_ids, set(token_ids)
    while frontier:
        rows = [row for row in _revocable(Token.parent.in_(frontier)) if row[0] not in seen]
        seen.update(row[0] for row in rows)
        found += rows
        frontier = [row[0] for row in rows]
    return found


def _user(name: str) -> User:
    user = User.get_or_none(User.name == name)
    if user is None:
        raise NotFound(f'no user {name!r}')
    return user


def _unexpired(now: float):
    return Token.expires_at.is_null() | (Token.expires_at > now)


def principal_for_token(secret: str, now: float | None = None) -> Principal | None:
    """The caller a token stands for, or None when it is unknown or expired."""
    now = time.time() if now is None else now
    row = run_sql('SELECT t.id, t.scope, t.run_id, u.id, u.name, u.project_id FROM token t '
                  'JOIN "user" u ON u.id = t.user_id '
                  'WHERE t.digest = ? AND (t.expires_at IS NULL OR t.expires_at > ?)',
                  (token_digest(secret), now)).fetchone()
    if row is None:
        return None
    token_id, scope, run_id, user_id, name, project_id = row
    return Principal(user_id, name, project_id, Scope(scope), run_id, token_id)


def principal_for_password(name: str, password: str) -> Principal | None:
    """The user a name and password stand for (a deliberately slow check), or None."""
    user = User.get_or_none(User.name == name)
    stored = user.password_hash if user is not None else None
    # unknown and token-only users are checked against a hash nobody matches, so the
    # answer takes as long as for a real user and does not reveal which names exist
    if not verify_password(password, stored or UNMATCHABLE_HASH):
        return None
    scope = Scope.ADMIN if user.is_admin else Scope.USER
    return Principal(user.id, user.name, user.project_id, scope)
