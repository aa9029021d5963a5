"""Local agents for `farm submit --local`: detached, given the run's token, and watched at start."""

import os
import signal
import time

import pytest

from farmworker.farm import local
from farmworker.farm.api import FarmError


@pytest.fixture
def fake_agent(tmp_path, monkeypatch):
    """Make `farmworker` a shell script with the given body."""
    def install(body: str):
        script = tmp_path / 'farmworker'
        script.write_text('#!/bin/sh\n' + body + '\n')
        script.chmod(0o755)
        monkeypatch.setattr(local, 'farmworker_executable', lambda: str(script))
    return install


def test_the_agent_runs_detached_with_the_token_in_its_environment_only(tmp_path, fake_agent):
    fake_agent('echo "farmworker: working on run $3 with $5 slot(s) token=$FARM_TOKEN" >&2; '
               'exec sleep 30')
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
