"""Who is calling (a `Principal`) and what each token scope may do."""

import dataclasses
import enum

from coordinator.errors import Forbidden


class Scope(str, enum.Enum):
    """Token scopes: `worker` claims and reports (optionally on one run), `user` manages, `admin` all."""

    WORKER = 'worker'
    USER = 'user'
    ADMIN = 'admin'


@dataclasses.dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the user, their project and the scope of the credential used.

    `token_id` is the token used, None after a password check.
    """

    user_id: int
    user_name: str
    project_id: int
    scope: Scope
    run_id: int | None = None
    token_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.scope is Scope.ADMIN


def require_manager(principal: Principal) -> None:
    """Raise Forbidden unless the caller may create, change or delete work (user or admin scope)."""
    if principal.scope is Scope.WORKER:
        raise Forbidden('a worker token may only claim and report tasks')


def require_unbound(principal: Principal) -> None:
    """Raise Forbidden when the caller's token is bound to one run."""
    if principal.run_id is not None:
        raise Forbidden('a token bound to one run cannot create runs')
