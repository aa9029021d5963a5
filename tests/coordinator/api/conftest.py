"""Fixtures of the tests that go over every route the app serves (every_route.py)."""

import pytest

from coordinator.app import create_app
from tests.coordinator.api.every_route import Alice


@pytest.fixture
def app(config, database):
    return create_app(config, database=database)


@pytest.fixture
def alice_world(client, alice_auth) -> Alice:
    """alice's project with one of everything a route's path can name."""
    return Alice(client, alice_auth)
