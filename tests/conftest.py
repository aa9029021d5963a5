"""Fixtures: a fresh database on each backend, the app under Falcon's test client, users and tokens.

Tests that take `database_url` run once on SQLite and once on PostgreSQL. The
PostgreSQL run needs FARM_TEST_POSTGRES_URL (`make test` starts a server and sets
it); without it those cases skip, unless FARM_REQUIRE_POSTGRES=1 makes that an error.
Likewise the Slurm tests need FARM_TEST_SLURM=1 and sbatch on PATH (`make test` starts a
single-node cluster); FARM_REQUIRE_SLURM=1 makes their absence an error.
"""

import base64
import os
import shutil

import pytest
from falcon import testing

from coordinator import db, schema
from coordinator.app import create_app
from coordinator.config import Config
from coordinator.models import MODELS
from coordinator.store import users, workers
from coordinator.store.access import Scope

POSTGRES_URL = os.environ.get('FARM_TEST_POSTGRES_URL', '')
PASSWORD = 'correct horse battery staple'


def pytest_sessionstart(session):
    if os.environ.get('FARM_REQUIRE_POSTGRES') == '1' and not POSTGRES_URL:
        raise pytest.UsageError('FARM_REQUIRE_POSTGRES=1 but FARM_TEST_POSTGRES_URL is not set')
    if os.environ.get('FARM_REQUIRE_SLURM') == '1':
        if os.environ.get('FARM_TEST_SLURM') != '1':
            raise pytest.UsageError('FARM_REQUIRE_SLURM=1 but FARM_TEST_SLURM=1 is not set')
        if not shutil.which('sbatch'):
            raise pytest.UsageError('FARM_REQUIRE_SLURM=1 but sbatch is not on PATH')


@pytest.fixture(params=['sqlite', pytest.param('postgres', marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """A URL of an empty database: SQLite in a temp dir, or the test PostgreSQL wiped clean."""
    if request.param == 'sqlite':
        return f'sqlite:///{tmp_path / "farm.db"}'
    if not POSTGRES_URL:
        pytest.skip('FARM_TEST_POSTGRES_URL not set')
    database = db.open_database(POSTGRES_URL)
    with database.bind_ctx(MODELS):
        database.drop_tables(MODELS, cascade=True, safe=True)
    database.close()
    return POSTGRES_URL


@pytest.fixture
def database(database_url):
    """The models bound to a fresh, upgraded database."""
    database = db.bind(db.open_database(database_url))
    schema.upgrade()
    yield database
    database.close()


@pytest.fixture
def config(database_url, tmp_path):
    return Config(data_dir=tmp_path, database_url=database_url, token_cache_s=0)


@pytest.fixture
def client(config, database):
    """Falcon's in-process test client over the app and the fresh database."""
    return testing.TestClient(create_app(config, database=database))


@pytest.fixture
def alice(database):
    users.add_user('alice', PASSWORD)
    return 'alice'


@pytest.fixture
def alice_principal(alice):
    """alice as the store sees her after a password check."""
    return users.principal_for_password(alice, PASSWORD)


@pytest.fixture
def worker_uuid(alice_principal):
    """A worker registered by alice."""
    workers.register_worker(alice_principal, 'w-1', 'node01', 42)
    return 'w-1'


def basic(name: str, password: str = '') -> dict:
    raw = base64.b64encode(f'{name}:{password}'.encode()).decode()
    return {'Authorization': f'Basic {raw}'}


@pytest.fixture
def alice_auth(alice) -> dict:
    """Headers carrying a user token of alice, sent the way taskfarm-worker sends it."""
    return basic(users.create_token(alice, Scope.USER))
