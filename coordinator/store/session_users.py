"""The user a login session cookie names, with what its signature covers (the password hash)."""

import dataclasses

from coordinator.db import run_sql
from coordinator.store.access import Principal, Scope


@dataclasses.dataclass(frozen=True, slots=True)
class SessionUser:
    """A user as a session sees them: the caller they stand for and their password hash now."""

    principal: Principal
    password_hash: str | None


def session_user(user_id: int) -> SessionUser | None:
    """The user `user_id` (admin scope for an admin, as a password check gives); None if gone."""
    row = run_sql('SELECT name, project_id, is_admin, password_hash FROM "user" WHERE id = ?',
                  (user_id,)).fetchone()
    if row is None:
        return None
    name, project_id, is_admin, password_hash = row
    scope = Scope.ADMIN if is_admin else Scope.USER
    return SessionUser(Principal(user_id, name, project_id, scope), password_hash)
