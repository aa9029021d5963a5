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
    """Everything the coordinator can be told; field names match `FARM_<NAME>` variables.

    Password guessing. A failed password check is kept for `password_failure_window_s`
    (5 min) in the database, so every coordinator process counts it. A user name with
    `password_failures_per_name` (10) failures in the window, or a client address with
    `password_failures_per_address` (50: a login node or NAT gateway fronts many users,
    each allowed a few typos), is answered 429 with Retry-After, without a check, until
    its oldest failure leaves the window; that caps guessing at 2,880 tries a day per
    name. Reaching a limit is audited (`password.limit`, with the name and address).
    Only failures count: the stock taskfarm client sends its password again and again.
    A token is never limited, so a user locked out by someone else's guesses keeps
    working with tokens. Each process runs at most `password_check_slots` (1) checks at
    once (each ~50 ms of a core and 16 MiB); one that finds no free slot is answered 503
    with Retry-After: 1 at once, which the stock client retries, rather than queueing
    threads that token requests need.
    """

    data_dir: Path = dataclasses.field(default_factory=default_data_dir)
    database_url: str = ''
    bind: str = '127.0.0.1:8080'
    certfile: str = ''  # with keyfile: serve HTTPS (PEM files; gunicorn's own TLS)
    keyfile: str = ''
    workers: int = dataclasses.field(default_factory=lambda: os.cpu_count() or 2)
    threads: int = 4
    # keep-alive connections a gunicorn worker holds (each agent keeps one): an idle one costs
    # a descriptor and a poller entry, no thread; at gunicorn's default of 1,000, 2,000 agents
    # on 2 workers waited seconds in the listen backlog for a slot
    worker_connections: int = 10_000
    max_body_bytes: int = 1024 * 1024
    max_run_body_bytes: int = 32 * 1024 * 1024  # a run created with one input per task
    max_code_bytes: int = 64 * 1024 * 1024  # an IronWorker code package's zip, as uploaded
    max_log_bytes: int = 1024 * 1024  # an IronWorker task's log kept (its tail, beyond)
    body_timeout_s: float = 10.0  # for a request's line and headers, then again for its whole body
    token_cache_s: float = 10.0
    session_token_ttl_s: int = 30 * 24 * 3600
    login_cookie_ttl_s: int = 24 * 3600  # POST /login's session cookie, as ndscheduler's 1 day
    worker_ttl_s: float = 60.0
    database_wait_s: float = 600.0  # serve, started while PostgreSQL is down, waits this long
    log_level: str = 'info'
    access_log: str = ''  # a file gunicorn appends a line per request to ('-': stderr; '': none)
    password_failure_window_s: float = 300.0
    password_failures_per_name: int = 10
    password_failures_per_address: int = 50
    password_check_slots: int = 1
    # the allocator (coordinator.allocator): how often it looks, where sbatch and squeue are
    # (else PATH), the URL its agents reach the coordinator by (else from `bind`), and where
    # its jobs' output and task logs go (else ~/farm-logs/allocations, on a shared filesystem)
    alloc_interval_s: float = 5.0
    slurm_bin_dir: str = ''
    public_url: str = ''
    alloc_log_dir: str = ''

    def __post_init__(self):
        self.data_dir = Path(self.data_dir)
        for name in ('login_cookie_ttl_s', 'password_failure_window_s',
                     'password_failures_per_name', 'password_failures_per_address',
                     'password_check_slots', 'max_log_bytes', 'alloc_interval_s',
                     'worker_connections'):
            if getattr(self, name) <= 0:
                raise SystemExit(f'FARM_{name.upper()} must be positive, not {getattr(self, name)}')
        if bool(self.certfile) != bool(self.keyfile):
            raise SystemExit('FARM_CERTFILE and FARM_KEYFILE go together: HTTPS needs both')
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
