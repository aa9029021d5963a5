"""The one source of truth: the latest reply of every feed and the connection's health."""

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from farmworker.client import CoordinatorError, Refused, Unreachable
from tui.poller import Reply


@dataclass
class Connection:
    """How the last request went; `kind` is connecting, ok, unreachable, unavailable (the
    coordinator answers 503: its database is down or restarting), bad-token or error."""

    kind: str = 'connecting'
    message: str = 'connecting…'
    server_now: str | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.kind == 'ok'


def _kind(error: CoordinatorError) -> str:
    if isinstance(error, Unreachable):
        return 'unreachable'
    if isinstance(error, Refused) and error.bad_token:
        return 'bad-token'
    if isinstance(error, Refused) and error.status == 503:
        return 'unavailable'
    return 'error'


def _gone(error: CoordinatorError | None) -> bool:
    return isinstance(error, Refused) and error.not_found


KEEP_REPLIES = 64


@dataclass
class State:
    """Replies by feed key; a failed fetch keeps the last good data (stale beats blank).

    Only the KEEP_REPLIES most recent keys are kept: each task opened or page turned adds one
    (a task's reply carries its log tail), and a dashboard stays open for days.
    """

    replies: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    errors: dict[str, CoordinatorError] = field(default_factory=dict)
    connection: Connection = field(default_factory=Connection)

    def apply(self, reply: Reply) -> None:
        if reply.error is None:
            self.replies[reply.key] = reply.data
            self.replies.move_to_end(reply.key)
            while len(self.replies) > KEEP_REPLIES:
                self.errors.pop(next(iter(self.replies)), None)
                self.replies.popitem(last=False)
            self.errors.pop(reply.key, None)
            now = reply.data.get('now') if isinstance(reply.data, dict) else None
            self.connection = Connection('ok', 'connected', now or self.connection.server_now,
                                         reply.elapsed_s)
        elif _gone(reply.error):
            # the coordinator answered: the thing is gone (deleted meanwhile), the link is fine
            self.errors[reply.key] = reply.error
            self.replies.pop(reply.key, None)
        else:
            self.errors[reply.key] = reply.error
            self.connection = Connection(_kind(reply.error), str(reply.error),
                                         self.connection.server_now, reply.elapsed_s)

    def gone(self, key: str) -> bool:
        """Whether the coordinator said the feed's run or task no longer exists (deleted meanwhile)."""
        return _gone(self.errors.get(key))
