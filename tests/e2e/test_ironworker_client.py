"""The unmodified iron-worker 1.3.8 client (and raw HTTP, for what it cannot do) against a live
coordinator: code packages uploaded, listed, read, revised, downloaded and deleted."""

import hashlib
import io
import os
import zipfile

import pytest
import requests
from iron_worker import IronWorker

from coordinator import db
from coordinator.models import Project
from coordinator.store import users

pytestmark = pytest.mark.timeout(120)
WORKER = 'import sys\nprint("hello from", sys.argv)\n'


@pytest.fixture
def iron(serve, tmp_path, monkeypatch):
    """(a client of alice's project on a live coordinator, the coordinator, the token)."""
    coordinator = serve(workers=2)
    token = users.create_token('alice')
    return client_of(coordinator, token, tmp_path, monkeypatch), coordinator, token


def client_of(coordinator, token: str, tmp_path, monkeypatch) -> IronWorker:
    """A client of alice's project on `coordinator`, isolated from the machine's own setup."""
    project = Project.get(Project.name == 'default').hex_id
    db.database.close()
    # nothing of the machine's own IronWorker setup may redirect the client (the peer note)
    for name in [name for name in os.environ if name.startswith('IRON_')]:
        monkeypatch.delenv(name)
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.chdir(tmp_path)  # upload() writes <name>.zip here
    return IronWorker(project_id=project, token=token, host='127.0.0.1',
                      port=coordinator.port, protocol='http', api_version=2)


def _hello_dir(tmp_path, text: str = WORKER) -> str:
    (tmp_path / 'hello').mkdir(exist_ok=True)
    (tmp_path / 'hello' / 'hello.py').write_text(text)
    return 'hello'


def test_the_client_uploads_lists_reads_revises_and_deletes_a_code_package(iron, tmp_path):
    worker, _, _ = iron
    uploaded = worker.upload(_hello_dir(tmp_path), name='hello', executable='hello/hello.py')
    assert (uploaded.name, uploaded.revision, uploaded.runtime) == ('hello', 1, 'python')
    assert len(uploaded.id) == 24 and len(uploaded.latest_checksum) == 32
    assert [code.name for code in worker.codes()] == ['hello']
    read = worker.code(uploaded.id)
    assert (read.id, read.revision, read.latest_checksum) == (
        uploaded.id, 1, uploaded.latest_checksum)
    assert read.latest_change.tzinfo is not None
    again = worker.upload(_hello_dir(tmp_path, WORKER + 'print(2)\n'), name='hello',
                          executable='hello/hello.py')
    assert (again.id, again.revision) == (uploaded.id, 2)
    assert again.latest_checksum != uploaded.latest_checksum
    assert [revision.revision for revision in worker.revisions(uploaded.id)] == [1, 2]
    assert worker.deleteCode(uploaded.id) is True
    assert worker.codes() == []
    with pytest.raises(requests.HTTPError) as caught:
        worker.code(uploaded.id)
    assert caught.value.response.status_code == 404


def test_a_bad_token_or_an_unknown_id_raises_the_clients_http_error(iron):
    worker, coordinator, _ = iron
    with pytest.raises(requests.HTTPError) as caught:
        worker.code('0000c0de0000000000000999')
    assert caught.value.response.status_code == 404
    assert caught.value.response.json() == {'msg': 'no such code package in this project'}
    stranger = IronWorker(project_id=worker.client.project_id, token='farm_not_a_token',
                          host='127.0.0.1', port=coordinator.port, protocol='http',
                          api_version=2)
    with pytest.raises(requests.HTTPError) as caught:
        stranger.codes()
    assert caught.value.response.status_code == 401


def test_raw_http_does_what_the_client_cannot(iron, tmp_path):
    worker, coordinator, token = iron
    uploaded = worker.upload(_hello_dir(tmp_path), name='hello', executable='hello/hello.py')
    base = f'{coordinator.url}/2/projects/{worker.client.project_id}'
    project = requests.get(f'{base}?oauth={token}', timeout=10)  # as ironcli asks
    assert project.status_code == 200 and project.json()['name'] == 'default'
    download = requests.get(f'{base}/codes/{uploaded.id}/download?revision=1',
                            headers={'Authorization': f'OAuth {token}'}, timeout=10)
    assert download.headers['Content-Disposition'] == 'filename=hello_1.zip'
    assert download.headers['Content-Type'] == 'application/zip'
    assert hashlib.md5(download.content).hexdigest() == uploaded.latest_checksum
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        assert archive.read('hello/hello.py').decode() == WORKER
    for name, make in (('evil', _climbing_zip), ('bomb', _gigabyte_of_zeros)):
        refused = requests.post(
            f'{base}/codes', headers={'Authorization': f'OAuth {token}'}, timeout=30,
            files={'data': (None, f'{{"name": "{name}", "runtime": "sh", "file_name": "a.sh"}}'),
                   'file': ('code.zip', make(), 'application/zip')})
        assert refused.status_code == 400 and refused.json()['msg'], name
    assert [code.name for code in worker.codes()] == ['hello']


def _climbing_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('a.sh', 'echo hi\n')
        archive.writestr('../evil', 'gotcha\n')
    return buffer.getvalue()


def _gigabyte_of_zeros() -> bytes:
    buffer = io.BytesIO()  # compressed as it is written: about a megabyte
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        archive.writestr('a.sh', 'echo hi\n')
        with archive.open('zeros', 'w', force_zip64=True) as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(1024):
                entry.write(chunk)
    return buffer.getvalue()
