"""Where `farm` finds its coordinator and token: FARM_URL / FARM_TOKEN, else ~/.config/farm/config.toml."""

# The file holds a bearer token, as good as the user's password for this coordinator until it
# is revoked, so it is created 0600 from the start (never written first and chmod-ed after) and
# its directory 0700.

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path


class ConfigError(Exception):
    """The configuration is missing or unreadable; the message says what to do."""


@dataclasses.dataclass(frozen=True)
class Settings:
    url: str
    token: str
    source: str  # where they came from, for messages: 'environment' or the file's path


def config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """$FARM_CONFIG, else $XDG_CONFIG_HOME/farm/config.toml, else ~/.config/farm/config.toml."""
    if environ.get('FARM_CONFIG'):
        return Path(environ['FARM_CONFIG']).expanduser()
    base = environ.get('XDG_CONFIG_HOME') or os.path.join(environ.get('HOME') or '~', '.config')
    return Path(base).expanduser() / 'farm' / 'config.toml'


def load(environ: Mapping[str, str] = os.environ) -> Settings:
    """The coordinator and token; the environment wins over the file, each value on its own."""
    path = config_path(environ)
    stored = read_file(path) if path.exists() else {}
    url = environ.get('FARM_URL') or stored.get('url')
    token = environ.get('FARM_TOKEN') or stored.get('token')
    if not url:
        raise ConfigError('no coordinator: run `farm login URL` or set FARM_URL')
    if not token:
        raise ConfigError(f'no token for {url}: run `farm login {url}` or set FARM_TOKEN')
    from_env = environ.get('FARM_URL') and environ.get('FARM_TOKEN')
    return Settings(url=url, token=token, source='environment' if from_env else str(path))


def read_file(path: Path) -> dict:
    try:
        with open(path, 'rb') as file:
            data = tomllib.load(file)
    except OSError as exc:
        raise ConfigError(f'cannot read {path}: {exc.strerror}') from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f'{path} is not valid TOML: {exc}') from None
    return {key: value for key, value in data.items() if isinstance(value, str)}


def save(path: Path, url: str, token: str) -> None:
    """Write url and token to `path`, readable by the owner only, replacing it atomically."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = f'# written by `farm login`; the token is a secret\nurl = {_toml_string(url)}\n' \
           f'token = {_toml_string(token)}\n'
    tmp = path.with_name(f'.{path.name}.{os.getpid()}.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, 'w') as file:
            file.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _toml_string(value: str) -> str:
    """A TOML basic string: backslash, quote and control characters escaped."""
    escaped = ''.join(c if c.isprintable() and c not in '"\\' else f'\\u{ord(c):04x}'
                      for c in value)
    return f'"{escaped}"'
