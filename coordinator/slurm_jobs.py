"""The coordinator's Slurm calls for the allocator: sbatch, squeue, sacct and scancel.

Pure parsing plus one subprocess call each, through an injected runner (subprocess.run's
signature), so tests run them against fake commands or canned output. Every call has a
timeout; a command that is missing, slow or prints what cannot be parsed is a reason in
words (SlurmError, or None where the answer is "unknown"), never a crash. The commands are
looked up on PATH, after FARM_SLURM_BIN_DIR when that is set.
"""

import os
import subprocess
from collections.abc import Callable, Mapping

from coordinator.states import AllocationJobState
from farmworker.batch_script import SubmitError, SubmitOptions, submit

Runner = Callable[..., subprocess.CompletedProcess]
TIMEOUT_S = 30.0

# Slurm's job states (squeue %T, sacct State) as the allocator tracks them
_PENDING = {'PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'RESV_DEL_HOLD', 'SUSPENDED'}
_RUNNING = {'RUNNING', 'CONFIGURING', 'COMPLETING', 'STAGE_OUT', 'SIGNALING', 'RESIZING',
            'STOPPED'}
_FAILED = {'FAILED', 'NODE_FAIL', 'BOOT_FAIL', 'OUT_OF_MEMORY', 'DEADLINE', 'SPECIAL_EXIT'}


class SlurmError(Exception):
    """A Slurm command failed; the message says why in one line."""


def environment(environ: Mapping[str, str], bin_dir: str | None) -> dict[str, str]:
    """The environment the commands run in: `bin_dir` first on PATH when given."""
    env = dict(environ)
    if bin_dir:
        env['PATH'] = os.pathsep.join(filter(None, (bin_dir, env.get('PATH'))))
    return env


def tracked_state(slurm_state: str) -> AllocationJobState | None:
    """A Slurm state as the allocator tracks it; None for one it does not know."""
    state = slurm_state.strip().upper().split()[0] if slurm_state.strip() else ''
    state = state.rstrip('+')  # sacct writes CANCELLED+ and 'CANCELLED by 1000'
    if state in _PENDING:
        return AllocationJobState.PENDING
    if state in _RUNNING:
        return AllocationJobState.RUNNING
    if state in _FAILED:
        return AllocationJobState.FAILED
    if state in {'COMPLETED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'REVOKED'}:
        return AllocationJobState.ENDED
    return None


def parse_states(output: str) -> dict[str, tuple[str, str]]:
    """`squeue --format=%i|%T|%r` or `sacct --parsable2 --format=JobID,State` lines as
    job id -> (state, reason); sacct's steps (123.batch) and malformed lines are skipped."""
    found = {}
    for line in output.splitlines():
        fields = line.strip().split('|')
        if len(fields) < 2 or not fields[0] or '.' in fields[0]:
            continue
        found.setdefault(fields[0], (fields[1].strip(), (fields[2] if len(fields) > 2
                                                         else '').strip()))
    return found


def sbatch(options: SubmitOptions, env: Mapping[str, str], token: str, run: Runner,
           timeout_s: float = TIMEOUT_S) -> str:
    """Submit the serve script farmworker.batch_script renders; the job id, or SlurmError."""
    try:
        return submit(options, env, token=token, run=run, timeout_s=timeout_s)
    except SubmitError as exc:
        raise SlurmError(str(exc)) from None


def squeue(job_ids: list[str], env: Mapping[str, str], run: Runner,
           timeout_s: float = TIMEOUT_S) -> dict[str, tuple[str, str]]:
    """Slurm's state and reason of the jobs it still knows among `job_ids`, or SlurmError."""
    if not job_ids:
        return {}
    done = _call(['squeue', '--noheader', '--format=%i|%T|%r', f'--jobs={",".join(job_ids)}'],
                 env, run, timeout_s)
    if done.returncode != 0:
        message = _last_line(done)
        if 'invalid job id' in message.lower():  # none of them is known any more
            return {}
        raise SlurmError(f'squeue failed: {message}')
    return parse_states(done.stdout or '')


def sacct(job_ids: list[str], env: Mapping[str, str], run: Runner,
          timeout_s: float = TIMEOUT_S) -> dict[str, tuple[str, str]] | None:
    """How the jobs ended, from accounting; None where there is none (the job then ended)."""
    if not job_ids:
        return {}
    try:
        done = _call(['sacct', '--noheader', '--parsable2', '--format=JobID,State',
                      f'--jobs={",".join(job_ids)}'], env, run, timeout_s)
    except SlurmError:
        return None
    return parse_states(done.stdout or '') if done.returncode == 0 else None


def scancel(job_ids: list[str], env: Mapping[str, str], run: Runner,
            timeout_s: float = TIMEOUT_S) -> None:
    """Cancel the jobs, or SlurmError."""
    if not job_ids:
        return
    done = _call(['scancel', *job_ids], env, run, timeout_s)
    if done.returncode != 0:
        raise SlurmError(f'scancel failed: {_last_line(done)}')


def _call(argv: list[str], env: Mapping[str, str], run: Runner,
          timeout_s: float) -> subprocess.CompletedProcess:
    try:
        return run(argv, env=dict(env), capture_output=True, text=True, timeout=timeout_s)
    except FileNotFoundError:
        raise SlurmError(f'{argv[0]} not found on PATH (set FARM_SLURM_BIN_DIR)') from None
    except OSError as exc:
        raise SlurmError(f'cannot run {argv[0]}: {exc}') from None
    except subprocess.TimeoutExpired:
        raise SlurmError(f'{argv[0]} did not answer in {timeout_s:g} s '
                         '(is slurmctld up?)') from None


def _last_line(done: subprocess.CompletedProcess) -> str:
    lines = [line.strip() for line in (done.stderr or '').splitlines() if line.strip()]
    return lines[-1] if lines else f'exit {done.returncode}'
