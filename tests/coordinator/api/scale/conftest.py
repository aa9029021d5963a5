"""The Scale v6 family over Falcon's test client: the seed document's example, manifests, calls."""

import copy
import json

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.seed.manifests import MINIMAL, POST_EXAMPLE

TYPES = '/v6/job-types/'
EXAMPLE_URL = TYPES + 'test/1.0.0/'
SECRET = 'secret_password'  # the example's DB_PASS, a setting its manifest marks secret


def manifest(name: str = 'my-job', version: str = '1.0.0', **job) -> dict:
    """The least Seed 1.0.0 manifest, named and versioned, with `job` fields set."""
    made = copy.deepcopy(MINIMAL)
    made['job'].update(name=name, jobVersion=version, **job)
    return made


def example() -> dict:
    """The body of the seed document's example POST /v6/job-types/ (type test 1.0.0)."""
    return json.loads(POST_EXAMPLE.read_text())


def call(client, auth, method: str, path: str, body=None, status: int = 200, **params):
    """The JSON answer of a request that must get `status`."""
    resp = client.simulate_request(method, path, json=body, headers=auth, params=params)
    assert resp.status_code == status, resp.text
    return resp.json


def get(client, auth, path, **params):
    return call(client, auth, 'GET', path, **params)


def define(client, auth, name='my-job', version='1.0.0', status=201, **fields):
    """POST a type of the least manifest; `fields` go in the body (job fields in `job`)."""
    job = fields.pop('job', {})
    body = {'docker_image': f'{name}:{version}', 'manifest': manifest(name, version, **job),
            **fields}
    return call(client, auth, 'POST', TYPES, body, status)


def listed(page: dict) -> list[str]:
    """'name version' of each row of a page of job types."""
    return [f"{row['name']} {row['version']}" for row in page['results']]


@pytest.fixture
def posted(client, alice_auth):
    """The example, POSTed by alice: the 201 answer."""
    resp = client.simulate_post(TYPES, json=example(), headers=alice_auth)
    assert resp.status_code == 201, resp.text
    return resp


@pytest.fixture
def bob_auth(database) -> dict:
    """A user of another project."""
    users.add_user('bob', project='other')
    return basic(users.create_token('bob', Scope.USER))
