"""Local workers for `farm submit --local`: a detached `farmworker run` that outlives the command."""

# The agent gets its own session, so closing the terminal (SIGHUP) or a Ctrl-C meant for the
# next command does not reach it, and its output goes to a file because nobody reads ours.

import os
import subprocess
from pathlib import Path

from farmworker.submit import farmworker_executable


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
    argv = [executable, 'run', '--run', run_uuid, '--slots', str(slots), '--log-dir', str(log_dir)]
    with open(log_path, 'ab') as log:
        process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    # Popen objects warn when collected while the process runs; this one is meant to
    process.returncode = 0
    return {'pid': process.pid, 'slots': slots, 'log': str(log_path)}
