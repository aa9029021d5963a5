"""`farm-coordinator backup` while a live coordinator takes writes, and `restore` of the copy."""

import re
import threading

import pytest
import requests

from tests.conftest import basic


def test_backups_taken_under_writes_are_whole_and_restore_what_they_hold(serve, database_url,
                                                                        tmp_path):
    if not database_url.startswith('sqlite'):
        pytest.skip('PostgreSQL is backed up with pg_dump')
    coordinator = serve(workers=2)
    auth = basic(coordinator.cli('token', 'create', 'alice').stdout.strip())
    stop, created = threading.Event(), []

    def keep_writing():
        with requests.Session() as http:
            while not stop.is_set():
                resp = http.post(coordinator.url + '/farm/v1/runs', json={'num_tasks': 1000},
                                 headers=auth, timeout=10)
                created.append(resp.status_code)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        backups = []
        for number in range(3):
            path = tmp_path / f'farm-{number}.backup'
            done = coordinator.cli('backup', str(path))
            assert done.returncode == 0, done.stderr
            backups.append((path, int(re.search(r'(\d+) runs?,', done.stdout)[1])))
    finally:
        stop.set()
        writer.join()
    assert set(created) == {201} and len(created) > backups[0][1]
    assert [count for _, count in backups] == sorted(count for _, count in backups)

    coordinator.stop()
    path, count = backups[0]
    refused = coordinator.cli('restore', str(path))  # no terminal: it asks for --yes
    assert refused.returncode == 1 and '--yes' in refused.stderr
    restored = coordinator.cli('restore', str(path), '--yes')
    assert restored.returncode == 0 and f'{count} run' in restored.stdout, restored.stderr
    coordinator.start()
    listing = requests.get(coordinator.url + '/farm/v1/runs', params={'limit': 1000},
                           headers=auth, timeout=10).json()
    assert listing['total'] == count
