"""A PostgreSQL database of a benchmark's own on the test server, dropped after the run."""

import os
import subprocess
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def create(name: str) -> str:
    """Start (or reuse) the server scripts/services.sh runs and create database `name` on it;
    returns its URL. Nobody else's database is touched, so runs alongside the test suites."""
    done = subprocess.run([str(ROOT / 'scripts' / 'services.sh'), 'start', 'postgres'],
                          capture_output=True, text=True, timeout=600, check=True,
                          env={**os.environ, 'PG_DB': name})
    return done.stdout.strip().splitlines()[-1]


def drop(url: str) -> None:
    """Drop the database `url` names, closing whatever is still connected to it."""
    import psycopg2

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip('/')
    con = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path='/postgres')))
    try:
        con.autocommit = True
        con.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        con.close()
