"""A throwaway PostgreSQL server of a test's own, which it may stop and start at will.

Outage tests must never stop the suite's shared server (other checkouts and helpers use it),
so they get their own: `initdb` in a temp dir, run as the `postgres` user (PostgreSQL refuses
root), listening on 127.0.0.1 at a free port with its socket in that dir, trust auth, fsync
off. Removing the dir removes everything; nothing is written under /etc or /var.
"""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port

DATABASE = 'farm_outage'


def _bin_dir() -> Path | None:
    """The newest installed PostgreSQL's server programs (Debian keeps them off PATH)."""
    found = sorted(glob.glob('/usr/lib/postgresql/*/bin/pg_ctl'),
                   key=lambda path: int(Path(path).parts[-3]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which('pg_ctl')
    return Path(pg_ctl).parent if pg_ctl else None


def skip_reason() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    if os.geteuid() != 0:
        return 'a private PostgreSQL cluster needs root (to run initdb as the postgres user)'
    if _bin_dir() is None:
        return 'no PostgreSQL server programs (initdb, pg_ctl): scripts/services.sh installs them'
    if not shutil.which('runuser'):
        return 'no runuser to run PostgreSQL as the postgres user'
    try:
        pwd.getpwnam('postgres')
    except KeyError:
        return 'no postgres user'
    return None


class PrivateCluster:
    """One PostgreSQL server in a temp dir: `start`, `stop` (immediate, as a crash), `remove`."""

    def __init__(self):
        self.bin = _bin_dir()
        self.dir = Path(tempfile.mkdtemp(prefix=f'farm_outage_{os.getpid()}_'))
        self.data = self.dir / 'data'
        self.log_path = self.dir / 'postgres.log'
        self.port = free_port()
        self.url = f'postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}'

    def create(self) -> None:
        """Make the cluster and its database, and start it."""
        shutil.chown(self.dir, 'postgres', 'postgres')
        self._as_postgres('initdb', '-D', self.data, '-A', 'trust', '-U', 'postgres',
                          '--no-sync', '-E', 'UTF8')
        self.start()
        self._as_postgres('createdb', '-h', self.dir, '-p', str(self.port), DATABASE)

    def _as_postgres(self, program: str, *args) -> None:
        done = subprocess.run(['runuser', '-u', 'postgres', '--', str(self.bin / program),
                               *map(str, args)], capture_output=True, text=True, timeout=120,
                              cwd=self.dir)
        if done.returncode != 0:
            raise RuntimeError(f'{program} failed: {done.stderr}{done.stdout}'
                               f'{self.log_path.read_text() if self.log_path.exists() else ""}')

    def start(self) -> None:
        options = (f'-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off '
                   '-c max_connections=100')
        self._as_postgres('pg_ctl', '-D', self.data, '-l', self.log_path, '-o', options, '-w',
                          '-t', '60', 'start')

    def stop(self) -> None:
        """Stop at once, as a crash or a killed server would: sessions are cut mid-query."""
        self._as_postgres('pg_ctl', '-D', self.data, '-m', 'immediate', '-w', 'stop')

    def running(self) -> bool:
        return (self.data / 'postmaster.pid').exists()

    def remove(self) -> None:
        """Stop it if it runs and delete its files; safe to call twice."""
        if self.data.exists() and self.running():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                pid = int((self.data / 'postmaster.pid').read_text().split()[0])
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
                time.sleep(0.5)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope='module')
def private_postgres():
    """A PostgreSQL server this module's tests own; removed after them, whatever happens."""
    reason = skip_reason()
    if reason:
        pytest.skip(reason)
    cluster = PrivateCluster()
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.remove()
