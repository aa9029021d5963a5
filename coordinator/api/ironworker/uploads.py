"""Reading a code upload: the multipart `data` JSON part and the optional `file` zip part.

The Python client (iron-worker 1.3.8) on Python 3 sends the zip as the text of a bytes
literal (`b'PK\\x03\\x04...'`), the text `str(bytes)` makes: lossless ASCII, turned back
into the exact zip here. Any other file part is taken as the raw zip, as the Go and Ruby
clients and the CLI send it. The 64 KB limit of other requests does not apply; the zip
may be as large as FARM_MAX_CODE_BYTES, and the literal text four times that.
"""

import codecs
import dataclasses

import falcon

from coordinator.api import bodies
from coordinator.errors import InvalidInput, PayloadTooLarge

_LITERAL_STARTS = (b"b'", b'b"')
_TEXT_FACTOR = 4  # a bytes literal writes a byte as up to four characters (\\x00)


@dataclasses.dataclass(frozen=True, slots=True)
class Upload:
    data: dict
    zip: bytes | None


def read(req, max_data_bytes: int, max_zip_bytes: int) -> Upload:
    """The upload's `data` object and its zip (None when it has no file part)."""
    max_text = _TEXT_FACTOR * max_zip_bytes + max_data_bytes
    if req.content_length is not None and req.content_length > max_text:
        raise PayloadTooLarge(f'the upload is larger than the zip limit allows ({max_zip_bytes} '
                              'bytes, FARM_MAX_CODE_BYTES)')
    if req.content_type is None or not req.content_type.startswith('multipart/form-data'):
        raise InvalidInput('upload code as multipart/form-data: a "data" part (JSON) and, '
                           'with code, a "file" part (a zip)')
    data, file = None, None
    try:
        for part in req.get_media():
            if part.name == 'data':
                data = bodies.parse_object(_text(_limited(part, max_data_bytes, 'data')),
                                           'the data part')
            elif part.name == 'file':
                file = _zip(_limited(part, max_text, 'file'))
    except falcon.MediaMalformedError as exc:
        raise InvalidInput(f'the multipart body is malformed: {exc.description}') from None
    if data is None:
        raise InvalidInput('the upload has no "data" part (a JSON object naming the code)')
    return Upload(data, file)


def _limited(part, max_bytes: int, what: str) -> bytes:
    raw = part.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f'the {what} part is larger than {max_bytes} bytes')
    return raw


def _text(raw: bytes) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f'the data part is not valid UTF-8: {exc}') from None


def _zip(raw: bytes) -> bytes:
    """The zip a file part carries: decoded when it is the text of a bytes literal (a zip
    itself starts with PK, never with b' or b")."""
    if not raw.startswith(_LITERAL_STARTS):
        return raw
    quote = raw[1:2]
    body = raw[2:-1]
    # what str(bytes) writes: printable ASCII, escapes, and its quote only escaped
    if not raw.endswith(quote) or len(raw) < 3 or not body.isascii() or _bare(body, quote):
        raise InvalidInput('the file part looks like a Python bytes literal but is not one')
    try:
        # the C decoder of Python's own bytes escapes: what ast.literal_eval would give, without
        # building a syntax tree of a text up to four times the zip's size
        return codecs.escape_decode(body)[0]
    except ValueError:
        raise InvalidInput('the file part looks like a Python bytes literal but is not '
                           'one') from None


def _bare(body: bytes, quote: bytes) -> bool:
    """Whether `body` holds `quote` not escaped by a backslash (so the literal ended early)."""
    return quote in body.replace(b'\\\\', b'').replace(b'\\' + quote, b'')
