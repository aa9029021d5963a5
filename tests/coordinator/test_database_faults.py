"""SQLite on a failing disk: clear 503s that say why, a /health that tells, recovery by itself.

A read-only episode is made with `chattr +i` on the database and its WAL (root
is not stopped by file modes; the immutable flag stops everyone); a full disk is
a small tmpfs. Both need root, as `make test` runs; elsewhere these tests skip.
"""

import contextlib
import logging
import os
import shutil
import subprocess

import pytest
from falcon import testing

from coordinator import db, maintenance, schema
from coordinator.app import create_app
from coordinator.config import Config
from coordinator.models import Run
from coordinator.store import users
from coordinator.store.access import Scope

RUN = {'num_tasks': 3}


def _root_can(*argv) -> bool:
    return os.geteuid() == 0 and all(shutil.which(arg) for arg in argv)


def serve_in_process(data_dir) -> tuple[testing.TestClient, dict]:
    """The app under Falcon's test client over SQLite in `data_dir`, and alice's Bearer headers."""
    data_dir.mkdir(exist_ok=True)
    url = f'sqlite:///{data_dir / "farm.db"}'
    database = db.bind(db.open_database(url))
    schema.upgrade()
    users.add_user('alice')
    headers = {'Authorization': 'Bearer ' + users.create_token('alice', Scope.USER)}
    app = create_app(Config(data_dir=data_dir, database_url=url, token_cache_s=0), database)
    return testing.TestClient(app), headers


@pytest.fixture
def coordinator(tmp_path):
    """(test client, headers, data dir) over SQLite in `tmp_path / 'data'`."""
    yield *serve_in_process(tmp_path / 'data'), tmp_path / 'data'
    db.forget_connection()


@contextlib.contextmanager
def read_only(data_dir):
    """The database and its WAL (when there is one) immutable; not the -shm, which is mmapped."""
    paths = [path for path in (data_dir / 'farm.db', data_dir / 'farm.db-wal') if path.exists()]
    subprocess.run(['chattr', '+i', *map(str, paths)], check=True)
    try:
        yield
    finally:
        subprocess.run(['chattr', '-i', *map(str, paths)], check=True)


needs_chattr = pytest.mark.skipif(not _root_can('chattr'), reason='needs root and chattr')


@needs_chattr
def test_writes_answer_503_while_the_disk_is_read_only_and_work_again_after(coordinator):
    client, headers, data_dir = coordinator
    assert client.simulate_post('/farm/v1/runs', json=RUN, headers=headers).status_code == 201
    db.forget_connection()  # the next request opens its connection during the episode
    with read_only(data_dir):
        refused = client.simulate_post('/farm/v1/runs', json=RUN, headers=headers)
        assert refused.status_code == 503 and refused.headers['Retry-After'] == '1'
        health = client.simulate_get('/health')
        assert health.status_code == 503
        assert health.json['database'].startswith('the database is read-only')
    assert client.simulate_post('/farm/v1/runs', json=RUN, headers=headers).status_code == 201
    assert client.simulate_get('/health').json == {'status': 'ok', 'database': 'ok'}
    assert Run.select().count() == 2


@needs_chattr
def test_a_duty_that_connected_while_the_disk_was_read_only_recovers_after(coordinator):
    _, _, data_dir = coordinator
    duty = maintenance.Duty('test-reaper', lambda: maintenance.reap(60.0), 1.0)
    db.forget_connection()
    with read_only(data_dir):
        assert not duty.run_once()
    assert duty.run_once()


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs, unmounted after the test."""
    if not _root_can('mount', 'umount'):
        pytest.skip('needs root to mount a tmpfs')
    mount_point = tmp_path / 'small-disk'
    mount_point.mkdir()
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', str(mount_point)],
                   check=True)
    yield mount_point
    db.forget_connection()
    subprocess.run(['umount', '-l', str(mount_point)], check=True)


def test_a_full_disk_gets_503s_that_say_so_and_loses_nothing_acknowledged(small_disk, caplog):
    client, headers = serve_in_process(small_disk / 'data')
    filler = small_disk / 'filler'
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b'\0' * max(0, free - 256 * 1024))  # leave a little room
    sweep = {'num_tasks': 200, 'command': ['echo', '{line}'], 'inputs': ['x' * 400] * 200}
    acknowledged, statuses = [], set()
    with caplog.at_level(logging.WARNING, logger='coordinator.api.errors'):
        for _ in range(40):
            resp = client.simulate_post('/farm/v1/runs', json=sweep, headers=headers)
            statuses.add(resp.status_code)
            if resp.status_code == 201:
                acknowledged.append(resp.json['uuid'])
    assert statuses == {201, 503} and acknowledged
    assert 'the disk holding the database is full' in caplog.text
    assert 'no transaction is active' not in caplog.text
    filler.unlink()
    assert client.simulate_get('/health').status_code == 200
    (check,) = db.database.execute_sql('PRAGMA integrity_check').fetchone()
    assert check == 'ok'
    listed = client.simulate_get('/farm/v1/runs?limit=100', headers=headers).json['runs']
    assert set(acknowledged) <= {run['uuid'] for run in listed}
