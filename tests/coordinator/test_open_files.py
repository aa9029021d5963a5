"""The coordinator raises its soft limit on open files to what its keep-alive connections need."""

import resource
import subprocess
import sys

RAISE = ('import resource; from coordinator.server import raise_open_files_limit; '
         'print(raise_open_files_limit({}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])')


def _with_soft_limit(soft: int, worker_connections: int) -> list[int]:
    """In a child process whose soft limit is `soft`: what the call returns, and the limit."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    done = subprocess.run(
        [sys.executable, '-c', RAISE.format(worker_connections)], capture_output=True,
        text=True, check=True, timeout=60,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)))
    return [int(word) for word in done.stdout.split()]


def test_a_low_soft_limit_is_raised_for_the_connections_within_the_hard_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    wanted = 4000 + 256
    expected = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    assert _with_soft_limit(1024, 4000) == [expected, expected]


def test_a_limit_high_enough_is_left_alone():
    assert _with_soft_limit(1024, 100) == [1024, 1024]
