"""farm-tui's command line: it finds the coordinator and token where `farm` does."""

import pytest

from farmworker.farm import config
from tui.app import parse_args

STORED = ('http://login1:8080', 'farm_stored')


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A user with nothing set: a fresh HOME, no FARM_* variables."""
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    for name in ('XDG_CONFIG_HOME', 'FARM_CONFIG', 'FARM_URL', 'FARM_TOKEN'):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / 'home'


def farm_login(url: str, token: str) -> None:
    """Store a login where `farm login` stores it (its own function, for the same path)."""
    config.save(config.config_path(), url, token)


def connection(*argv: str) -> tuple[str, str]:
    args = parse_args(list(argv))
    return args.url, args.token


def test_the_dashboard_reads_the_login_farm_login_stored(home):
    farm_login(*STORED)
    assert (home / '.config' / 'farm' / 'config.toml').exists()
    assert connection() == STORED


def test_the_stored_login_is_found_under_xdg_config_home(home, tmp_path, monkeypatch):
    monkeypatch.setenv('XDG_CONFIG_HOME', str(tmp_path / 'xdg'))
    farm_login(*STORED)
    assert (tmp_path / 'xdg' / 'farm' / 'config.toml').exists()
    assert connection() == STORED


def test_the_environment_beats_the_stored_login_and_flags_beat_both(home, monkeypatch):
    farm_login(*STORED)
    monkeypatch.setenv('FARM_URL', 'http://env:8080')
    assert connection() == ('http://env:8080', 'farm_stored')  # each value on its own
    monkeypatch.setenv('FARM_TOKEN', 'farm_env')
    assert connection() == ('http://env:8080', 'farm_env')
    assert connection('--token', 'farm_flag') == ('http://env:8080', 'farm_flag')
    assert connection('--url', 'http://flag:8080', '--token', 'farm_flag') == (
        'http://flag:8080', 'farm_flag')


def test_flags_alone_need_no_readable_config_file(home):
    config_file = home / '.config' / 'farm' / 'config.toml'
    config_file.parent.mkdir(parents=True)
    config_file.write_text('not toml at all [')
    assert connection('--url', 'http://flag:8080', '--token', 'farm_flag') == (
        'http://flag:8080', 'farm_flag')


def test_without_a_login_it_says_how_to_get_one(home, capsys):
    with pytest.raises(SystemExit) as caught:
        parse_args([])
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        'farm-tui: error: no coordinator: run `farm login URL` or set FARM_URL '
        '(or pass --url and --token)')
