"""Coordinator configuration: one dataclass filled from defaults, `FARM_*` variables and flags."""

import dataclasses
import os
from pathlib import Path


def default_data_dir() -> Path:
    """Where the SQLite database lives unless told otherwise (XDG data home).

    On a cluster, point FARM_DATA_DIR at a local disk: SQLite's WAL mode needs
    shared memory and must not sit on NFS or Lustre.
    """
    base = os.environ.get('XDG_DATA_HOME') or Path.home() / '.local' / 'share'
    return Path(base) / 'hpc-taskfarm'


@dataclasses.dataclass
class Config:
    """Everything the coordinator can be told; field names match `FARM_<NAME>` variables."""

    data_dir: Path = dataclasses.field(default_factory=default_data_dir)
    database_url: str = ''
    bind: str = '127.0.0.1:8080'
    workers: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 2)
    threads: int = 4
    max_body_bytes: int = 1024 * 1024
    max_run_body_bytes: int = 32 * 1024 * 1024  # a run created with one input per task
    body_timeout_s: float = 10.0  # to receive a whole request body, from the end of its headers
    token_cache_s: float = 10.0
    session_token_ttl_s: int = 30 * 24 * 3600
    worker_ttl_s: float = 60.0
    log_level: str = 'info'

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        if not self.database_url:
            self.database_url = f'sqlite:///{self.data_dir / "farm.db"}'

    @classmethod
    def from_env(cls, environ=None, **overrides) -> 'Config':
        """Build a config from `FARM_*` variables, then explicit (non-None) overrides."""
        environ = os.environ if environ is None else environ
        values = {}
        for field in dataclasses.fields(cls):
            raw = environ.get('FARM_' + field.name.upper())
            if raw:
                values[field.name] = _coerce(field, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _coerce(field, raw: str):
    kind = field.type
    try:
        return kind(raw)
    except ValueError:
        raise SystemExit(f'FARM_{field.name.upper()}={raw!r} is not a valid {kind.__name__}')
