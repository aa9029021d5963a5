"""Serving the app with gunicorn: threaded workers, keep-alive, graceful shutdown on SIGTERM."""

import errno
import logging
import socket

import gunicorn.app.base

from coordinator.app import create_app
from coordinator.config import Config
from coordinator.errors import Misconfigured
from coordinator.maintenance import start_duties


def check_bind(bind: str) -> None:
    """Misconfigured when HOST:PORT cannot be listened on (in use, or a bad address).

    gunicorn would retry for five seconds and print ten "Connection in use" lines.
    """
    host, _, port = bind.rpartition(':')
    try:
        with socket.create_server((host.strip('[]') or '0.0.0.0', int(port)), reuse_port=False):
            pass
    except (OSError, ValueError) as exc:
        reason = 'already in use' if getattr(exc, 'errno', None) == errno.EADDRINUSE else exc
        raise Misconfigured(f'cannot listen on {bind} ({reason}): choose another address with '
                            '--bind HOST:PORT or FARM_BIND') from None


class CoordinatorServer(gunicorn.app.base.BaseApplication):
    """gunicorn running `create_app(config)` in each worker (no preload: no connection crosses a fork)."""

    def __init__(self, config: Config):
        self.config = config
        super().__init__()

    def load_config(self):
        settings = {
            'bind': self.config.bind,
            'workers': self.config.workers,
            'threads': self.config.threads,
            'worker_class': ('coordinator.hot_connections.HotConnectionWorker'
                             if self.config.threads > 1 else 'sync'),
            'keepalive': 75,  # longer than clients' idle gaps, so workers keep their connection
            'graceful_timeout': 30,
            'timeout': 120,
            'loglevel': self.config.log_level,
            'proc_name': 'farm-coordinator',
            'control_socket_disable': True,
        }
        for name, value in settings.items():
            if name in self.cfg.settings:  # control_socket_disable is gunicorn >= 25.1
                self.cfg.set(name, value)

    def load(self):
        logging.basicConfig(level=self.config.log_level.upper(),
                            format='[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s')
        app = create_app(self.config)
        # every worker process reaps and purges; passes are idempotent, so N processes are safe
        start_duties(self.config.worker_ttl_s)
        return app
