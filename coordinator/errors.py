"""Domain errors raised by the store and validators; each API family renders them once at its edge."""


class FarmError(Exception):
    """Base of every error a client may see; `status` is the HTTP status it maps to.

    `retry_after_s`, when given, is sent as Retry-After: when trying again may succeed.
    """

    status = 500

    def __init__(self, msg: str, retry_after_s: int | None = None):
        super().__init__(msg)
        self.msg = msg
        self.retry_after_s = retry_after_s


class InvalidInput(FarmError):
    """The request is malformed or a value is out of range."""

    status = 400


class Unauthorized(FarmError):
    """No credentials, or credentials that do not check out."""

    status = 401


class Forbidden(FarmError):
    """Valid credentials whose scope does not allow the operation."""

    status = 403


class NotFound(FarmError):
    """The object does not exist, or is not visible to the caller."""

    status = 404


class Conflict(FarmError):
    """The request contradicts the current state (duplicate id, stale attempt)."""

    status = 409


class RequestTimeout(FarmError):
    """The client did not send its request body in time."""

    status = 408


class PayloadTooLarge(FarmError):
    """The request body is larger than the configured limit."""

    status = 413


class TooManyRequests(FarmError):
    """Too many failed attempts lately: refused without looking, until `retry_after_s` passes."""

    status = 429


class Unavailable(FarmError):
    """The database is unreachable or too busy; the client should retry."""

    status = 503


class Misconfigured(FarmError):
    """The coordinator cannot run as configured: a database URL, a data directory, an old SQLite."""
