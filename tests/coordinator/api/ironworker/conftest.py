"""The IronWorker family over Falcon's test client: projects, tokens, multipart code uploads."""

import io
import json
import zipfile

import pytest

from coordinator.models import Project
from coordinator.store import users
from coordinator.store.access import Scope

# the boundary iron-worker 1.3.8 sends, `$` and all
BOUNDARY = '----------ThIs_Is_tHe_bouNdaRY_$'
WORKER = b'import sys\nprint("hello from", sys.argv)\n'


def zipped(*entries: tuple[str, bytes]) -> bytes:
    """The same bytes for the same entries: a name alone would stamp the clock's 2-second tick."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            entry.external_attr = 0o600 << 16  # as writestr gives an entry it names
            archive.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


HELLO_ZIP = zipped(('hello/hello.py', WORKER))


def multipart(data: dict | str | None, file: bytes | None = None, *,
              as_literal: bool = True) -> tuple[bytes, str]:
    """(body, Content-Type) of an upload; the file as the text of a bytes literal, as the
    Python client sends it on Python 3, unless `as_literal` is False (Go, Ruby, the CLI)."""
    parts = []
    if data is not None:
        text = data if isinstance(data, str) else json.dumps(data)
        parts.append(b'Content-Disposition: form-data; name="data"\r\n\r\n' + text.encode())
    if file is not None:
        payload = str(file).encode() if as_literal else file
        parts.append(b'Content-Disposition: form-data; name="file"; filename="code.zip"\r\n'
                     b'Content-Type: application/zip\r\n\r\n' + payload)
    body = b''.join(b'--' + BOUNDARY.encode() + b'\r\n' + part + b'\r\n' for part in parts)
    body += b'--' + BOUNDARY.encode() + b'--\r\n'
    return body, f'multipart/form-data; boundary={BOUNDARY}'


def oauth(token: str) -> dict:
    return {'Authorization': f'OAuth {token}'}


@pytest.fixture
def token(alice) -> str:
    return users.create_token(alice, Scope.USER)


@pytest.fixture
def auth(token) -> dict:
    return oauth(token)


@pytest.fixture
def project(alice) -> str:
    """alice's project's 24-hex id."""
    return Project.get(Project.name == 'default').hex_id


@pytest.fixture
def base(project) -> str:
    return f'/2/projects/{project}'


@pytest.fixture
def bob_auth(database) -> dict:
    """A user of another project."""
    users.add_user('bob', project='other')
    return oauth(users.create_token('bob', Scope.USER))


def upload(client, auth, base, data, file=None, status=200, **options):
    body, content_type = multipart(data, file, **options)
    resp = client.simulate_post(base + '/codes', body=body,
                                headers={**auth, 'Content-Type': content_type})
    assert resp.status_code == status, resp.text
    assert resp.headers['content-type'].startswith('application/json')
    return resp.json


def upload_hello(client, auth, base, **data):
    return upload(client, auth, base, {'name': 'hello', 'runtime': 'python',
                                       'file_name': 'hello/hello.py', **data}, HELLO_ZIP)


def call(client, auth, method, path, status=200, **kwargs):
    resp = client.simulate_request(method, path, headers=auth, **kwargs)
    assert resp.status_code == status, resp.text
    assert resp.headers['content-type']
    return resp.json
