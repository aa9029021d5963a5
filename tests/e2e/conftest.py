"""Real processes: `farm-coordinator serve` under gunicorn on a free port, over a fresh database."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from coordinator import db
from coordinator.store import users
from tests.conftest import PASSWORD


def venv_script(name: str) -> str:
    """A console script installed beside the Python running the tests (no reliance on PATH)."""
    return str(Path(sys.executable).parent / name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _no_slurm(data_dir: Path) -> Path:
    """Slurm commands that refuse: a coordinator under test whose allocation queues (the
    fuzzer makes some) have work to serve must not fill a real cluster with jobs. A test
    of the allocator names its Slurm (FARM_SLURM_BIN_DIR: fake commands, or '' for PATH's)."""
    bin_dir = Path(data_dir) / 'no-slurm'
    bin_dir.mkdir(exist_ok=True)
    for name in ('sbatch', 'squeue', 'sacct', 'scancel'):
        command = bin_dir / name
        command.write_text(f'#!/bin/sh\necho "{name}: no Slurm for this test" >&2\nexit 1\n')
        command.chmod(0o755)
    return bin_dir


class Coordinator:
    """A running `farm-coordinator serve`; `api` is the taskfarm base URL the stock client takes."""

    def __init__(self, database_url: str, data_dir, workers: int, env: dict | None = None,
                 *, log_name: str = 'coordinator.log', wait: bool = True):
        self.port = free_port()
        scheme = 'https' if (env or {}).get('FARM_CERTFILE') else 'http'
        self.url = f'{scheme}://127.0.0.1:{self.port}'
        self.api = self.url + '/api/'
        self.env = {**os.environ, 'FARM_DATABASE_URL': database_url, 'FARM_DATA_DIR': str(data_dir),
                    'FARM_SLURM_BIN_DIR': str(_no_slurm(data_dir)), **(env or {})}
        self.log_path = data_dir / log_name
        self.argv = [venv_script('farm-coordinator'), 'serve', '--bind', f'127.0.0.1:{self.port}',
                     '--workers', str(workers)]
        self.start(wait=wait)

    def start(self, wait: bool = True) -> None:
        """Start (again, after `stop`) on the same port and database; `wait`: until it serves."""
        with open(self.log_path, 'a') as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()

    def wait_ready(self, timeout_s: float = 30):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f'coordinator exited: {self.log_path.read_text()}')
            try:
                with urllib.request.urlopen(self.url + '/health', timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f'coordinator not ready after {timeout_s}s: {self.log_path.read_text()}')

    def cli(self, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([venv_script('farm-coordinator'), *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=60)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=40)


@pytest.fixture
def serve(database, database_url, tmp_path):
    """Start coordinators: `serve(workers=4, FARM_SETTING='value')`; all are stopped after the test.

    The test database already holds user alice (password PASSWORD).
    """
    users.add_user('alice', PASSWORD)
    db.database.close()
    started = []

    def start(workers: int = 4, **env) -> Coordinator:
        coordinator = Coordinator(database_url, tmp_path, workers, env)
        started.append(coordinator)
        return coordinator

    yield start
    for coordinator in started:
        coordinator.stop()
