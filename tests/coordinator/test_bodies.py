"""bodies.json_object on its own, over Falcon requests as a WSGI server would hand them over."""

import itertools
import json

import pytest
from falcon import testing

from coordinator.api import bodies
from coordinator.errors import InvalidInput

# pieces of a JSON string: surrogate escapes, look-alikes and backslashes that make or break them
PIECES = ['\\\\', '\\ud800', '\\udbff', '\\udc00', '\\uDFFF', '\\u0041', 'u', 'd800', '\\', 'x']


def refuses_a_surrogate(text: str) -> bool:
    try:
        bodies.json_object(testing.create_req(method='POST', body=text), 1024)
    except InvalidInput as exc:
        assert 'surrogate' in exc.msg, exc.msg
        return True
    return False


def test_a_body_is_refused_exactly_when_json_would_decode_a_lone_surrogate():
    checked = 0
    for length in range(1, 5):
        for pieces in itertools.product(PIECES, repeat=length):
            text = '{"k": "' + ''.join(pieces) + '"}'
            try:
                value = json.loads(text)['k']
            except ValueError:
                continue  # a stray backslash: not JSON at all
            encodable = value.encode('utf-8', 'surrogatepass') == value.encode('utf-8', 'ignore')
            assert refuses_a_surrogate(text) is not encodable, text
            checked += 1
    assert checked > 5000


@pytest.mark.parametrize('text', ['{"\\udc00": 1}', '{"a": {"b": ["x", "\\ud800"]}}'])
def test_a_lone_surrogate_is_refused_in_keys_and_nested_values_alike(text):
    assert refuses_a_surrogate(text)
