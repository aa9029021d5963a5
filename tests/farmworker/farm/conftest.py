"""`farm` commands run in-process against a fake coordinator, with a private config directory."""

import json

import pytest

from farmworker.farm.cli import main
from tests.farmworker.farm.fake_coordinator import FakeCoordinator

TOKEN = 'farm_user_token'


@pytest.fixture
def coordinator(monkeypatch, tmp_path):
    fake = FakeCoordinator()
    monkeypatch.setenv('FARM_URL', fake.url)
    monkeypatch.setenv('FARM_TOKEN', TOKEN)
    monkeypatch.setenv('XDG_CONFIG_HOME', str(tmp_path / 'config'))
    monkeypatch.delenv('FARM_CONFIG', raising=False)
    yield fake
    fake.close()


@pytest.fixture
def farm(capsys):
    """Run `farm ARGS...`: (exit status, stdout, stderr)."""
    def run(*args):
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    return run


@pytest.fixture
def farm_json(farm):
    def run(*args):
        code, out, err = farm(*args, '--json')
        assert code == 0, err
        return json.loads(out)
    return run
