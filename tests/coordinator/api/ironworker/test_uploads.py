"""The bytes-literal text iron-worker 1.3.8 sends for a zip, turned back into the exact bytes."""

import random

import pytest

from coordinator.api.ironworker.uploads import _zip
from coordinator.errors import InvalidInput


def test_every_byte_string_comes_back_from_the_text_str_gives_it():
    rng = random.Random(7)
    samples = [bytes(range(256)), b"'", b'"', b'\'"', b'\\', b'\\\'']
    samples += [rng.randbytes(rng.randrange(300)) for _ in range(300)]
    for data in samples:
        assert _zip(str(data).encode()) == data


def test_a_raw_zip_is_taken_as_it_is():
    assert _zip(b'PK\x03\x04rest') == b'PK\x03\x04rest'


@pytest.mark.parametrize('text', [b"b'PK\\x0'", b"b'unterminated", b"b'ends'early'",
                                  b'b"mismatched\'', b"b'\\\\''", "b'\u00e9'".encode()])
def test_text_that_is_no_bytes_literal_is_refused(text):
    with pytest.raises(InvalidInput, match='looks like a Python bytes literal but is not one'):
        _zip(text)
