"""Password hashing with scrypt (stdlib): slow on purpose, so it is used only to mint tokens."""

import base64
import hashlib
import hmac
import secrets

# n=2**14, r=8: ~50 ms here, 16 MiB of memory per check
_N, _R, _P = 2**14, 8, 1

# the hash of a random, forgotten password
UNMATCHABLE_HASH = (
    'scrypt$16384$8$1$nrlonYHufhZNTYb6/TvpMA==$r76rdbFjofuDKXYjOjBmuvACSAAfhmxjHehPo32nA9chA3k53'
    'Cu77vjjbxQRax1qL0LA1QIQcJJzWfCZoqL89g=='
)


def hash_password(password: str) -> str:
    """An encoded scrypt hash of `password` with a fresh salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f'scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(digest)}'


def verify_password(password: str, encoded: str | None) -> bool:
    """True when `password` matches the encoded hash; False for a missing or foreign hash."""
    try:
        scheme, n, r, p, salt, digest = (encoded or '').split('$')
        if scheme != 'scrypt':
            return False
        actual = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, _unb64(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode(), validate=True)
