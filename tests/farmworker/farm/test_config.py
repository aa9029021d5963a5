"""The config file `farm login` writes, and where `farm` looks for its coordinator and token."""

import stat

import pytest

from farmworker.farm import config


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_saved_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / 'farm' / 'config.toml'
    config.save(path, 'http://login1:8080', 'farm_secret')
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert config.read_file(path) == {'url': 'http://login1:8080', 'token': 'farm_secret'}


def test_saving_over_a_world_readable_file_leaves_it_owner_only(tmp_path):
    path = tmp_path / 'config.toml'
    path.write_text('url = "http://old"\n')
    path.chmod(0o644)
    config.save(path, 'http://new', 'farm_secret')
    assert mode(path) == 0o600 and config.read_file(path)['url'] == 'http://new'


def test_quotes_and_backslashes_in_values_survive_the_file(tmp_path):
    path = tmp_path / 'config.toml'
    config.save(path, 'http://h/a"b\\c', 'tok"en\\')
    assert config.read_file(path) == {'url': 'http://h/a"b\\c', 'token': 'tok"en\\'}


def test_the_environment_wins_over_the_file_value_by_value(tmp_path):
    path = tmp_path / 'farm' / 'config.toml'
    config.save(path, 'http://from-file', 'file-token')
    environ = {'XDG_CONFIG_HOME': str(tmp_path), 'FARM_URL': 'http://from-env'}
    settings = config.load(environ)
    assert (settings.url, settings.token) == ('http://from-env', 'file-token')


def test_farm_config_names_another_file(tmp_path):
    path = tmp_path / 'elsewhere.toml'
    config.save(path, 'http://x', 't')
    assert config.load({'FARM_CONFIG': str(path)}).url == 'http://x'


@pytest.mark.parametrize('environ, message', [
    ({}, 'run `farm login URL` or set FARM_URL'),
    ({'FARM_URL': 'http://x'}, 'no token for http://x: run `farm login http://x`'),
], ids=['nothing', 'no-token'])
def test_without_url_or_token_the_message_says_how_to_get_them(tmp_path, environ, message):
    with pytest.raises(config.ConfigError, match=message.replace('`', '.')):
        config.load({'XDG_CONFIG_HOME': str(tmp_path), **environ})


def test_a_broken_file_is_named_in_the_error(tmp_path):
    path = tmp_path / 'farm' / 'config.toml'
    path.parent.mkdir()
    path.write_text('url = \n')
    with pytest.raises(config.ConfigError, match='is not valid TOML'):
        config.load({'XDG_CONFIG_HOME': str(tmp_path)})
