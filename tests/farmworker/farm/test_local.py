"""Local agents for `farm submit --local`: detached, given the run's token, and watched at start."""

import os
import signal
import time
from pathlib import Path

import pytest

from farmworker.farm import local
from farmworker.farm.session import FarmError

# What a fake agent runs first: $READY is the file its --ready-file option names.
FIND_READY_FILE = 'READY=$(for arg; do test "$prev" = --ready-file && echo "$arg"; prev=$arg; done)'


@pytest.fixture
def fake_agent(tmp_path, monkeypatch):
    """Make `farmworker` a shell script with the given body."""
    def install(body: str):
        script = tmp_path / 'farmworker'
        script.write_text('#!/bin/sh\n' + FIND_READY_FILE + '\n' + body + '\n')
        script.chmod(0o755)
        monkeypatch.setattr(local, 'farmworker_executable', lambda: str(script))
    return install


def test_the_agent_runs_detached_with_the_token_in_its_environment_only(tmp_path, fake_agent):
    fake_agent('echo "farmworker: working on run $3 with $5 slot(s) token=$FARM_TOKEN" >&2; '
               'echo ready > "$READY"; exec sleep 30')
    agent = local.start_agent('r' * 32, 'http://x', 'farm_secret', 3, tmp_path / 'logs')
    try:
        assert agent['log'] == str(tmp_path / 'logs' / ('r' * 32) / 'agent.log')
        log = (tmp_path / 'logs' / ('r' * 32) / 'agent.log').read_text()
        assert f'working on run {"r" * 32} with 3 slot(s) token=farm_secret' in log
        assert os.getsid(agent['pid']) == agent['pid'] != os.getsid(0)  # its own session
    finally:
        os.kill(agent['pid'], signal.SIGKILL)


def test_an_agent_that_gives_up_at_once_is_reported_with_its_last_words(tmp_path, fake_agent):
    fake_agent('echo "farmworker: the coordinator refused: bad token (HTTP 401)" >&2; exit 1')
    started = time.monotonic()
    with pytest.raises(FarmError, match=r'stopped at once: farmworker: the coordinator refused'):
        local.start_agent('r' * 32, 'http://x', 't', 1, tmp_path / 'logs')
    assert time.monotonic() - started < 5


def test_the_agent_is_ready_when_it_writes_its_ready_file_whatever_it_logs(tmp_path, fake_agent):
    fake_agent('echo "farmworker: at work" >&2; echo ready > "$READY"; exec sleep 30')
    started = time.monotonic()
    agent = local.start_agent('r' * 32, 'http://x', 't', 1, tmp_path / 'logs')
    try:
        assert time.monotonic() - started < local.STARTUP_S / 2
        assert list((tmp_path / 'logs' / ('r' * 32)).iterdir()) == [Path(agent['log'])]
    finally:
        os.kill(agent['pid'], signal.SIGKILL)


def test_an_agent_that_logs_like_a_ready_one_but_is_not_is_watched_until_it_stops(
        tmp_path, fake_agent):
    fake_agent('echo "farmworker: working on run $3" >&2; sleep 1; '
               'echo "farmworker: the coordinator refused: no run (HTTP 404)" >&2; exit 1')
    with pytest.raises(FarmError, match=r'stopped at once: .*refused: no run'):
        local.start_agent('r' * 32, 'http://x', 't', 1, tmp_path / 'logs')
