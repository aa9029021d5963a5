"""The OpenAPI document: valid, with every route, each in the module named like its responder's."""

import importlib
import pathlib
import re

import pytest
from falcon import inspect
from openapi_spec_validator import validate

from coordinator.app import create_app

API = pathlib.Path(__file__).parents[2] / 'coordinator' / 'api'


@pytest.fixture
def routes(config, database):
    """(path as documented, method, the file of its responder) for every route served."""
    return [(re.sub(r'{(\w+)(:[^}]*)?}', r'{\1}', route.path),  # {uuid:uuid} -> {uuid}
             method.method.lower(), pathlib.Path(method.source_info.rsplit(':', 1)[0]))
            for route in inspect.inspect_routes(create_app(config, database=database))
            for method in route.methods if not method.internal]


def test_the_openapi_document_is_valid_and_documents_every_route_and_method(
        client, alice_auth, routes):
    document = client.simulate_get('/openapi.json', headers=alice_auth).json
    validate(document)
    served = {}
    for path, method, _ in routes:
        served.setdefault(path, set()).add(method)
    assert {path: set(item) for path, item in document['paths'].items()} == served


def test_each_route_is_documented_in_the_module_named_like_its_responders(routes):
    # coordinator/api/farm/runs.py responds, coordinator/openapi/farm/runs.py documents
    for path, method, source in routes:
        name = '.'.join(source.relative_to(API).with_suffix('').parts)
        documented = importlib.import_module(f'coordinator.openapi.{name}').PATHS
        assert method in documented.get(path, {}), f'{method} {path}: not in openapi/{name}'
