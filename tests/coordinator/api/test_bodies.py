"""bodies.json_object on its own, over Falcon requests as a WSGI server would hand them over."""

import io
import itertools
import json

import falcon
import pytest
from falcon import testing

from coordinator.api import bodies
from coordinator.errors import InvalidInput, PayloadTooLarge

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


class EndlessBody(io.RawIOBase):
    """A request body that never ends (spaces: JSON allows them), counting the bytes read."""

    def __init__(self):
        super().__init__()
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        buffer[:] = b' ' * len(buffer)
        self.bytes_read += len(buffer)
        return len(buffer)


def without_length(stream, *, terminated: bool = True) -> falcon.Request:
    """A POST whose body has no Content-Length (it was chunked), as a WSGI server hands it over:
    `terminated` says that the server ends the input where the body ends (wsgi.input_terminated)."""
    env = testing.create_environ(method='POST', headers={'Transfer-Encoding': 'chunked'})
    env['wsgi.input'] = stream
    if terminated:
        env['wsgi.input_terminated'] = True
    return falcon.Request(env)


def test_a_body_without_a_length_is_read_to_the_end_the_server_marks():
    req = without_length(io.BytesIO(b'{"a": [1, 2], "b": "c"}'))
    assert bodies.json_object(req, 1024) == {'a': [1, 2], 'b': 'c'}


def test_a_body_without_a_length_is_refused_once_it_passes_the_limit_not_read_whole():
    endless = EndlessBody()
    with pytest.raises(PayloadTooLarge, match='1024 bytes'):
        bodies.json_object(without_length(endless), 1024)
    assert 1024 < endless.bytes_read <= 2 * 1024


def test_a_body_without_a_length_is_not_read_when_the_server_does_not_end_it():
    endless = EndlessBody()
    with pytest.raises(InvalidInput, match='empty'):
        bodies.json_object(without_length(endless, terminated=False), 1024)
    assert endless.bytes_read == 0
