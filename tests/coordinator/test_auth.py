"""Authentication: the per-process token cache."""

from coordinator.api.auth import TokenCache
from coordinator.models import Token
from coordinator.store import users


def test_the_token_cache_remembers_for_its_ttl_only(alice):
    clock = [100.0]
    cache = TokenCache(ttl_s=10, clock=lambda: clock[0])
    secret = users.create_token(alice)
    assert cache.principal(secret).user_name == alice
    Token.delete().execute()
    assert cache.principal(secret) is not None, 'still cached'
    clock[0] += 10
    assert cache.principal(secret) is None, 'checked again once the ttl is over'
    assert cache.principal('farm_unknown') is None
