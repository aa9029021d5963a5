"""Local workers for `farm submit --local`: a detached `farmworker run` that outlives the command."""

# The agent gets its own session, so closing the terminal (SIGHUP) or a Ctrl-C meant for the
# next command does not reach it, and its output goes to a file because nobody reads ours.

import contextlib
import os
import secrets
import subprocess
import time
from pathlib import Path

from farmworker.batch_script import farmworker_executable
from farmworker.farm.session import FarmError

STARTUP_S = 10.0  # how long to watch a new agent for an early failure


def start_agent(run_uuid: str, url: str, token: str, slots: int, log_dir: Path,
                environ=os.environ) -> dict:
    """Start one agent working on the run; its pid and the file it logs to."""
    run_dir = log_dir / run_uuid
    run_dir.mkdir(parents=True, exist_ok=True)
    log_path = run_dir / 'agent.log'
    executable = farmworker_executable()
    env = dict(environ, FARM_URL=url, FARM_TOKEN=token)
    if os.sep in executable:  # tasks report progress with `farmworker progress`: let them find it
        env['PATH'] = os.pathsep.join(filter(None, (env.get('PATH'), os.path.dirname(executable))))
    ready_path = run_dir / f'.agent-{secrets.token_hex(4)}.ready'
    argv = [executable, 'run', '--run', run_uuid, '--slots', str(slots), '--log-dir', str(log_dir),
            '--ready-file', str(ready_path)]
    start = log_path.stat().st_size if log_path.exists() else 0
    with open(log_path, 'ab') as log:
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_started(process, ready_path, log_path, start)
    finally:
        with contextlib.suppress(FileNotFoundError):
            ready_path.unlink()
    # Popen warns when collected while its process runs; this one is meant to outlive us
    process.returncode = 0
    return {'pid': process.pid, 'slots': slots, 'log': str(log_path)}


def _wait_started(process: subprocess.Popen, ready_path: Path, log_path: Path, start: int,
                  timeout_s: float = STARTUP_S) -> None:
    """Return once the agent works on the run (it writes `ready_path`); FarmError with its
    last words if it gave up. After `timeout_s` it is left to go on trying.

    A wrong token or a run without a command stops the agent at once: better told now than
    discovered by a `farm run wait` that never ends.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        exited = process.poll() is not None  # first: a quick run may be over once it was ready
        if ready_path.exists():
            return
        if exited:
            said = _read_from(log_path, start)
            last = said.strip().splitlines()[-1:] or [f'exit status {process.returncode}']
            raise FarmError(f'the local agent stopped at once: {last[0]} (log: {log_path})')
        time.sleep(0.05)


def _read_from(path: Path, offset: int) -> str:
    try:
        with open(path, 'rb') as file:
            file.seek(offset)
            return file.read().decode(errors='replace')
    except OSError:
        return ''
