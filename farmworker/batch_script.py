"""The Slurm batch script that runs farmworker agents (`farmworker submit`) and its sbatch call.

Everything here is pure rendering except `submit`, the one subprocess call. The script is the
launcher in slurm/farmworker.sbatch (`LAUNCHER` below, byte for byte; a test keeps the two
equal) preceded by `#SBATCH` lines and the parameters, so the script Slurm keeps with the job
says exactly what ran. The token is never written into it and never on a command line: it goes
through the environment, which sbatch exports to the job (`--export=ALL`).
"""

import dataclasses
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from farmworker.slurm import parse_duration

# How long before the time limit Slurm signals the agent to drain: a third of the walltime for
# short jobs, two minutes at most. Slurm may send it up to 60 s earlier than asked, never later.
MAX_SIGNAL_LEAD_S = 120
SIGNAL_LEAD_LIMIT_S = 65535  # the largest sig_time sbatch --signal accepts
DEFAULT_GRACE_S = 20.0
DEFAULT_URL_FILE = '~/.farm/coordinator-url'  # where slurm/coordinator.sbatch writes its URL

_RUN = re.compile(r'[A-Za-z0-9][\w.-]{0,63}')
_HEREDOC = 'FARM_SBATCH_SCRIPT'
_BARE = re.compile(r'(?:[\w@%+=:./-]|\{\w+\})+', re.ASCII)  # no shell meaning, not even {task}
_SPECIAL_IN_DOUBLE_QUOTES = re.compile(r'["$`\\]')

Runner = Callable[..., subprocess.CompletedProcess]

# The part of every farmworker batch script that does the work; slurm/farmworker.sbatch and
# slurm/farmworker-array.sbatch end with exactly this text.
LAUNCHER = r'''# ---------------------------------------------------------------------------------------------
# The launcher: the same text in farmworker.sbatch, farmworker-array.sbatch and every script
# `farmworker submit` renders. It reads the parameters above (or the environment) and starts one
# agent per node.
set -uo pipefail

die() { printf 'farmworker.sbatch: %s\n' "$*" >&2; exit 2; }

if [[ ${FARM_SERVE:-} != 1 ]]; then
  [[ -n ${FARM_RUN:-} ]] || die 'FARM_RUN (the run uuid) is not set'
  [[ -n ${FARM_TASK_COMMAND:-} ]] || die 'FARM_TASK_COMMAND (the task command line, with {task}) is not set'
fi
FARMWORKER=${FARMWORKER:-farmworker}
command -v "$FARMWORKER" >/dev/null || die "$FARMWORKER not found: set FARMWORKER to its path"
# Tasks report progress with `farmworker progress`: make sure they find it, after what PATH has.
[[ $FARMWORKER != */* ]] || PATH=$PATH:${FARMWORKER%/*}

# The coordinator: FARM_URL, else the first line of FARM_URL_FILE, which coordinator.sbatch
# writes once it answers. A coordinator job that has not started yet is waited for.
if [[ -z ${FARM_URL:-} ]]; then
  url_file=${FARM_URL_FILE:-$HOME/.farm/coordinator-url}
  waited=0
  until [[ -s $url_file ]]; do
    ((waited < ${FARM_URL_WAIT_S:-300})) || die "no coordinator URL in $url_file after $waited s"
    sleep 5
    waited=$((waited + 5))
  done
  FARM_URL=$(head -n 1 -- "$url_file")
fi
export FARM_URL

# The token comes from the submitter's environment (sbatch --export=ALL), or FARM_TOKEN_FILE.
# It is never an argument: arguments are visible to every user in ps.
if [[ -z ${FARM_TOKEN:-} && -n ${FARM_TOKEN_FILE:-} ]]; then
  FARM_TOKEN=$(<"$FARM_TOKEN_FILE") || die "cannot read FARM_TOKEN_FILE $FARM_TOKEN_FILE"
fi
[[ -n ${FARM_TOKEN:-} ]] || die 'no token: export FARM_TOKEN (or FARM_TOKEN_FILE) before sbatch'
export FARM_TOKEN

if [[ ${FARM_SERVE:-} == 1 ]]; then
  # FARM_SERVE=1: a serve agent for the project's work of every family, or of the job types
  # FARM_JOB_TYPES names (space-separated); the commands come with the work
  agent=("$FARMWORKER" serve --log-dir "${FARM_LOG_DIR:-farm-logs}")
  for job_type in ${FARM_JOB_TYPES:-}; do agent+=(--job-type "$job_type"); done
else
  agent=("$FARMWORKER" run --run "$FARM_RUN" --log-dir "${FARM_LOG_DIR:-farm-logs}")
fi
[[ -z ${FARM_SLOTS:-} ]] || agent+=(--slots "$FARM_SLOTS")
[[ -z ${FARM_GRACE:-} ]] || agent+=(--grace "$FARM_GRACE")
[[ -z ${FARM_MAX_IDLE:-} ]] || agent+=(--max-idle "$FARM_MAX_IDLE")
# FARM_TASK_COMMAND is a shell command line; its words become the task's argv.
task=()
if [[ ${FARM_SERVE:-} != 1 ]]; then
  eval "task=($FARM_TASK_COMMAND)" || die "FARM_TASK_COMMAND is not a valid command line"
  ((${#task[@]})) || die 'FARM_TASK_COMMAND is empty'
fi

work="run ${FARM_RUN:-}"
[[ ${FARM_SERVE:-} != 1 ]] || work='serve'
echo "farmworker.sbatch: job ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NUM_NODES:-1} node(s), $work, coordinator $FARM_URL"
if ((${SLURM_JOB_NUM_NODES:-1} <= 1)) && [[ ${FARM_SRUN:-} != 1 ]]; then
  # One node: the agent replaces this shell, so it is the process that --signal=B:USR1@N
  # signals (B: signals the batch shell only) and it drains by itself.
  ((${#task[@]})) || exec "${agent[@]}"
  exec "${agent[@]}" -- "${task[@]}"
fi

# Several nodes (or FARM_SRUN=1): one agent per node, all in one job step. B:USR1 reaches only this shell, so
# pass it (and SIGTERM) on to srun, which forwards signals to every agent. A step gets all the
# CPUs the job has on each node unless it asks for --exact.
# srun signals every process of the step, the agents' tasks too, and USR1 kills a process that
# does not handle it: each task therefore starts with USR1 ignored (that survives exec; a program
# may still handle USR1 itself), so that only the agents hear the drain signal.
# A serve agent's tasks come with its work and cannot be wrapped so: the agent starts with USR1
# ignored (its own handler overrides that), but its tasks start with USR1's default action, so
# the drain signal ends them at once rather than after the grace time.
# The traps are set before srun starts (a signal in between would end this shell and leave
# srun running); one that comes before srun's pid is known is passed on once it is.
srun_pid= pending=
forward() { if [[ -n $srun_pid ]]; then kill -"$1" "$srun_pid" 2>/dev/null; else pending=$1; fi; }
trap 'forward USR1' USR1
trap 'forward TERM' TERM
if ((${#task[@]})); then
  srun --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 --kill-on-bad-exit=0 --label \
    "${agent[@]}" -- bash -c 'trap "" USR1; exec "$@"' farm-task "${task[@]}" &
else
  srun --nodes="$SLURM_JOB_NUM_NODES" --ntasks-per-node=1 --kill-on-bad-exit=0 --label \
    bash -c 'trap "" USR1; exec "$@"' farm-agent "${agent[@]}" &
fi
srun_pid=$!
[[ -z $pending ]] || forward "$pending"
# A trapped signal interrupts wait; wait again until srun is gone, then once more for its status.
until wait "$srun_pid"; ! kill -0 "$srun_pid" 2>/dev/null; do :; done
wait "$srun_pid"
'''


class SubmitError(Exception):
    """A problem the user must fix, told in one line."""


@dataclasses.dataclass(frozen=True)
class SubmitOptions:
    run: str
    command: Sequence[str]  # the task's argv template, with {task}
    time: str  # the walltime as sbatch --time takes it, e.g. 02:00:00
    log_dir: str  # an absolute path: the job's output and the agents' task logs go under it
    nodes: int = 1
    array: int | None = None  # a job array of this many independent jobs
    cpus: int | None = None  # CPUs per node (per array job); None: whole nodes
    slots: int | None = None  # tasks at once per agent; None: the CPUs it has
    grace_s: float = DEFAULT_GRACE_S
    max_idle_s: float | None = None
    signal_lead_s: int | None = None  # None: signal_lead_s(walltime)
    url: str | None = None
    url_file: str | None = None  # read by the job when url is None
    farmworker: str = 'farmworker'  # the agent's executable, best an absolute path
    srun: bool = False  # start the agent as a job step even on one node
    job_name: str | None = None
    partition: str | None = None
    account: str | None = None
    sbatch_args: Sequence[str] = ()  # more sbatch options; they override the #SBATCH lines
    # a `farmworker serve` agent instead of `run` (the allocator's jobs): no run, no command;
    # it serves these job types, or every type when None
    serve: bool = False
    job_types: Sequence[str] | None = None


def signal_lead_s(walltime_s: float) -> int:
    """Seconds before the limit to ask for USR1: a third of the walltime, at most 120 s."""
    return max(0, int(min(MAX_SIGNAL_LEAD_S, walltime_s / 3)))


def check(options: SubmitOptions) -> int:
    """Raise SubmitError for options Slurm or the agent would trip on; the signal lead time."""
    if not options.serve and not _RUN.fullmatch(options.run or ''):
        raise SubmitError(f'not a run uuid: {options.run!r}')
    if not options.serve and not options.command:
        raise SubmitError('no task command: give it after --, e.g. -- ./job.sh {task}')
    if options.serve and any(not _RUN.fullmatch(name) for name in options.job_types or ()):
        raise SubmitError(f'job type names must be words, not {options.job_types!r}')
    walltime_s = parse_duration(options.time)
    if not walltime_s:
        raise SubmitError(f'--time {options.time!r} is not a finite walltime '
                          '(MM, MM:SS, HH:MM:SS or D-HH:MM:SS)')
    for name in ('nodes', 'array', 'cpus', 'slots'):
        value = getattr(options, name)
        if value is not None and value < 1:
            raise SubmitError(f'--{name} must be at least 1, not {value}')
    for name in ('grace_s', 'max_idle_s'):
        value = getattr(options, name)
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise SubmitError(f'--{name[:-2].replace("_", "-")} must be a number of seconds >= 0')
    for flag, value in (('--log-dir', options.log_dir), ('--job-name', options.job_name),
                        ('--partition', options.partition), ('--account', options.account)):
        if value is not None and (not value or re.search(r'\s', value)):
            raise SubmitError(f'{flag} must be non-empty without spaces (it goes on a #SBATCH line),'
                              f' not {value!r}')
    if options.url is None and options.url_file is None:
        raise SubmitError('no coordinator: --url (env FARM_URL) or --url-file (env FARM_URL_FILE)')
    lead = signal_lead_s(walltime_s) if options.signal_lead_s is None else options.signal_lead_s
    if not 0 < lead <= SIGNAL_LEAD_LIMIT_S or lead >= walltime_s:
        raise SubmitError(f'the signal lead time must be 1 s or more and shorter than the '
                          f'walltime ({walltime_s:g} s), not {lead} s')
    if options.grace_s >= lead:
        raise SubmitError(f'--grace {options.grace_s:g} must be shorter than the {lead} s between '
                          'the drain signal and the time limit: lower --grace or raise '
                          '--signal-lead')
    return lead


def render_script(options: SubmitOptions) -> str:
    """The batch script: #SBATCH lines, the parameters, then LAUNCHER. Never holds the token."""
    lead = check(options)
    array = options.array is not None
    directives = [
        f'--job-name={options.job_name or "farm-" + (options.run or "serve")[:8]}',
        f'--nodes={options.nodes}',
        '--ntasks-per-node=1',
        *((f'--cpus-per-task={options.cpus}',) if options.cpus else ('--exclusive', '--mem=0')),
        f'--time={options.time}',
        f'--signal=B:USR1@{lead}',
        *((f'--array=0-{options.array - 1}',) if array else ()),
        f'--output={options.log_dir.rstrip("/")}/slurm-{"%A_%a" if array else "%j"}.out',
        *((f'--partition={options.partition}',) if options.partition else ()),
        *((f'--account={options.account}',) if options.account else ()),
    ]
    jobs = f'{options.array} array jobs, each with ' if array else ''
    nodes = (f'{options.nodes} node(s), {options.cpus} CPU(s) on each' if options.cpus
             else f'{options.nodes} whole node(s)')
    grace = f'{options.grace_s:g} '
    parameters = {
        'FARM_RUN': options.run,
        'FARM_URL': options.url or '',
        'FARM_URL_FILE': '' if options.url else options.url_file,
        'FARM_TASK_COMMAND': ' '.join(_quote(word) for word in options.command),
        'FARM_LOG_DIR': options.log_dir,
        'FARM_SLOTS': '' if options.slots is None else str(options.slots),
        'FARM_GRACE': f'{options.grace_s:g}',
        'FARM_MAX_IDLE': '' if options.max_idle_s is None else f'{options.max_idle_s:g}',
        'FARMWORKER': options.farmworker,
        'FARM_SRUN': '1' if options.srun else '',
    }
    if options.serve:  # a serve agent has no run or command; only then these two are set
        parameters.update(FARM_SERVE='1', FARM_JOB_TYPES=' '.join(options.job_types or ()))
    work = f'for run {options.run}'
    if options.serve:
        work = 'serving ' + ('every job type' if options.job_types is None
                             else 'job types ' + ' '.join(options.job_types))
    lines = [
        '#!/bin/bash',
        f'# farmworker agents {work}:',
        f'# {jobs}one agent on each of {nodes}.',
        f'# Rendered by `farmworker submit`. Slurm sends SIGUSR1 ~{lead} s before the time limit;',
        f'# the agents then claim nothing more and hand back what still runs {grace}s later.',
        *(f'#SBATCH {directive}' for directive in directives),
        '',
        '# Parameters (an empty value means the default). FARM_TOKEN comes from the environment.',
        *(f'{name}={_quote(value)}' for name, value in parameters.items()),
        '',
    ]
    return '\n'.join(lines) + '\n' + LAUNCHER


def _quote(word: str) -> str:
    """`word` as one bash word, as readable as it can be: like shlex.quote, but '{task}' stays
    bare (braces around a plain name are never expanded) and words holding a single quote are
    double-quoted when nothing in them is special inside double quotes."""
    if _BARE.fullmatch(word):
        return word
    if "'" in word and not _SPECIAL_IN_DOUBLE_QUOTES.search(word):
        return f'"{word}"'
    return shlex.quote(word)


def sbatch_argv(options: SubmitOptions) -> list[str]:
    """sbatch and its options; the script goes to its standard input."""
    # --export=ALL explicitly: it carries FARM_TOKEN to the job even where SBATCH_EXPORT says no.
    return ['sbatch', '--parsable', '--export=ALL', *options.sbatch_args]


def dry_run_text(options: SubmitOptions) -> str:
    """What --dry-run prints: the sbatch command with the script as a here-document."""
    script = render_script(options)
    delimiter = _HEREDOC
    while delimiter in script.splitlines():
        delimiter += '_'
    return f"{shlex.join(sbatch_argv(options))} <<'{delimiter}'\n{script}{delimiter}\n"


def submit(options: SubmitOptions, environ: Mapping[str, str], token: str | None = None,
           run: Runner = subprocess.run, timeout_s: float = 120) -> str:
    """sbatch the rendered script; the job id. `token`, if given, reaches the job as FARM_TOKEN."""
    script = render_script(options)
    env = dict(environ)
    if token:
        env['FARM_TOKEN'] = token
    if not env.get('FARM_TOKEN') and not env.get('FARM_TOKEN_FILE'):
        raise SubmitError('no token: set FARM_TOKEN (or FARM_TOKEN_FILE) or pass --token')
    argv = sbatch_argv(options)
    try:
        done = run(argv, input=script, env=env, capture_output=True, text=True, timeout=timeout_s)
    except FileNotFoundError:
        raise SubmitError('sbatch not found on PATH: submit on a Slurm login node '
                          '(--dry-run shows the script without Slurm)') from None
    except OSError as exc:
        raise SubmitError(f'cannot run sbatch: {exc}') from None
    except subprocess.TimeoutExpired:
        raise SubmitError(f'sbatch did not answer in {timeout_s:g} s (is slurmctld up?)') from None
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr or '').splitlines() if line.strip()]
        raise SubmitError(f'sbatch refused the job: {lines[-1] if lines else f"exit {done.returncode}"}')
    job_id = (done.stdout or '').strip().split(';')[0]
    if not job_id:
        raise SubmitError(f'sbatch printed no job id (stdout {done.stdout!r})')
    return job_id


def farmworker_executable() -> str:
    """This farmworker's executable as a path a job can run (the venv need not be active)."""
    beside_python = Path(sys.executable).parent / 'farmworker'
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which('farmworker')
    return os.path.abspath(found) if found else 'farmworker'
