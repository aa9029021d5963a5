"""farm-tui as users run it: in a terminal (tmux), against a coordinator and a working agent."""

import os
import re
import shlex
import shutil
import subprocess
import time

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import venv_script
from tests.e2e.test_farmworker import Farm

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.skipif(shutil.which('tmux') is None, reason='tmux is not installed'),
]


class Tmux:
    """A private tmux server (its own socket), so the test touches no one else's sessions."""

    def __init__(self):
        self.socket = f'farm-tui-test-{os.getpid()}'

    def __call__(self, *args, check=True) -> subprocess.CompletedProcess:
        return subprocess.run(['tmux', '-L', self.socket, *args], capture_output=True, text=True,
                              timeout=10, check=check)

    def screen(self) -> str:
        return self('capture-pane', '-p', '-t', 'tui').stdout

    def alive(self) -> bool:
        return self('has-session', '-t', 'tui', check=False).returncode == 0

    def kill_server(self) -> None:
        self('kill-server', check=False)


@pytest.fixture
def farm(serve, tmp_path):
    return Farm(serve(workers=2), tmp_path)


@pytest.fixture
def tmux():
    tmux = Tmux()
    yield tmux
    tmux.kill_server()


def progress_of(screen: str, name: str) -> float | None:
    """The percentage in the progress column of the run named `name`, if its row is on screen."""
    for line in screen.splitlines():
        if line.lstrip().startswith(name):
            match = re.search(r'(\d+\.\d)%', line)
            return float(match.group(1)) if match else None
    return None


def farm_login(url: str, config_home: str) -> None:
    """`farm login` as the README's quick start runs it, storing the token under config_home."""
    env = {**os.environ, 'XDG_CONFIG_HOME': config_home}
    for name in ('FARM_URL', 'FARM_TOKEN', 'FARM_CONFIG'):
        env.pop(name, None)
    login = subprocess.run([venv_script('farm'), 'login', url, '--user', 'alice',
                            '--password-stdin'], input=PASSWORD + '\n', env=env,
                           capture_output=True, text=True, timeout=30)
    assert login.returncode == 0, login.stderr


def test_the_dashboard_shows_a_run_advancing_and_q_exits_cleanly(farm, tmux, tmp_path):
    run = farm.create_run(40, name='tmux-run')
    agent = farm.agent(run, 'sleep 0.3', '--slots', '2')
    exit_file = tmp_path / 'farm-tui.exit'
    config_home = str(tmp_path / 'config')
    farm_login(farm.coordinator.url, config_home)
    # no --url, no --token: the dashboard finds the login `farm login` stored
    command = ' '.join(shlex.quote(arg) for arg in [
        'env', '-u', 'FARM_URL', '-u', 'FARM_TOKEN', '-u', 'FARM_CONFIG',
        f'XDG_CONFIG_HOME={config_home}', venv_script('farm-tui'), '--interval', '0.5'])
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'tui',
         f'{command}; echo $? > {shlex.quote(str(exit_file))}')
    try:
        farm.wait_for(lambda: 'farm-tui' in tmux.screen(), timeout_s=20)
        tmux('send-keys', '-t', 'tui', '2')
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(set(seen)) < 3:
            percent = progress_of(tmux.screen(), 'tmux-run')
            if percent is not None and (not seen or percent != seen[-1]):
                seen.append(percent)
            time.sleep(0.3)
        assert len(set(seen)) >= 3, f'progress did not advance on screen: {seen}\n{tmux.screen()}'
        assert seen == sorted(seen), seen
        tmux('send-keys', '-t', 'tui', 'q')
        farm.wait_for(lambda: exit_file.exists() and not tmux.alive(), timeout_s=15)
        assert exit_file.read_text().strip() == '0'
    finally:
        try:
            agent.wait(60)  # it leaves by itself once the run is finished
        except subprocess.TimeoutExpired:
            agent.kill()
            agent.wait(10)
