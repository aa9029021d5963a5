"""Login session cookies: signed (HMAC-SHA256) values naming a user until an expiry.

A cookie is `<user id>.<expiry, epoch s>.<signature>`, the signature an HMAC-SHA256 with
the coordinator's session key over the user id, the expiry and the user's current
password hash. So a tampered or expired cookie is refused, and changing (or clearing)
the password or deleting the user ends every session made with the old one; nothing
about a session is stored, so any coordinator process that shares the key checks it.

The key is 32 random bytes, made once and kept in `<data dir>/session.key` (mode 0600),
beside the code packages every coordinator of one installation already shares. It is
never logged or sent. Deleting the file (and restarting) ends every session.
"""

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

COOKIE_NAME = 'farm_session'
KEY_FILE = 'session.key'
_KEY_BYTES = 32


def load_key(data_dir: Path) -> bytes:
    """The installation's session key, made (0600) by the first process that needs it."""
    path = Path(data_dir) / KEY_FILE
    try:
        if not path.exists():
            _make_key(path)
        key = base64.b64decode(path.read_bytes().strip(), validate=True)
    except OSError as exc:
        raise SystemExit(f'cannot keep the session key in {path} ({exc.strerror}): make '
                         'FARM_DATA_DIR a private directory this user can write') from None
    except ValueError:
        key = b''
    if len(key) < 16:
        raise SystemExit(f'{path} holds no usable session key: delete it to make a new one')
    return key


def _make_key(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, written = tempfile.mkstemp(dir=path.parent, prefix='.session-key-')  # mode 0600
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(base64.b64encode(secrets.token_bytes(_KEY_BYTES)) + b'\n')
            file.flush()
            os.fsync(file.fileno())
        # link, unlike rename, fails when the name exists: of several processes starting at
        # once, one key wins and every process reads that one
        with contextlib.suppress(FileExistsError):
            os.link(written, path)
    finally:
        os.unlink(written)


class SessionSigner:
    """Makes and reads session cookie values with one key."""

    def __init__(self, key: bytes):
        self._key = key

    def make(self, user_id: int, password_hash: str, expires_at: int) -> str:
        """The cookie value for a user, valid until `expires_at` (epoch seconds)."""
        return f'{user_id}.{expires_at}.{self._signature(user_id, password_hash, expires_at)}'

    @staticmethod
    def parse(value: str) -> tuple[int, int] | None:
        """(user id, expiry) a cookie value claims, unchecked; None when it is malformed."""
        user_id, _, rest = value.partition('.')
        expires_at, _, signature = rest.partition('.')
        if not (user_id.isdigit() and expires_at.isdigit() and signature) or len(value) > 200:
            return None
        return int(user_id), int(expires_at)

    def is_valid(self, value: str, password_hash: str | None, now: float) -> bool:
        """Whether `value` was made by `make` for this password hash and has not expired."""
        claimed = self.parse(value)
        if claimed is None or password_hash is None or claimed[1] <= now:
            return False
        expected = self.make(claimed[0], password_hash, claimed[1])
        return hmac.compare_digest(expected.encode(), value.encode())

    def _signature(self, user_id: int, password_hash: str, expires_at: int) -> str:
        message = f'{user_id}\n{expires_at}\n{password_hash}'.encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip('=')
