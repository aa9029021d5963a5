"""Slurm facts for the agent: time strings, `scontrol show job` output, and the job's environment."""

# Everything here is pure parsing except `query_job`, the one subprocess call. Off-cluster (no
# SLURM_JOB_ID, no scontrol, no controller) every function answers None rather than raising:
# a worker that cannot learn its walltime simply claims as if it had none.

import logging
import re
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

log = logging.getLogger(__name__)

# Strings Slurm prints (or accepts) where a duration has no finite value. "-1", INFINITE and
# UNLIMITED are what its own time_str2secs() treats as infinite; Partition_Limit is how scontrol
# shows a job without its own limit and INVALID how it shows a negative one.
_NO_DURATION = frozenset(
    {'', 'UNLIMITED', 'INFINITE', 'NOT_SET', 'N/A', 'PARTITION_LIMIT', 'INVALID', 'NONE', '-1'})
# [days-]first[:second[:third]]; digits are bounded so int() never sees a pathological string.
_DURATION = re.compile(r'(?:(\d{1,9})-)?(\d{1,9})(?::(\d{1,9}))?(?::(\d{1,9}))?')
# A field starts with Key=; keys may hold ':' '/' '(' e.g. AllocNode:Sid=, CPUs/Task=.
_FIELD = re.compile(r'([A-Za-z][\w:/().-]*)=(.*)')
# scontrol prints JobName (free text, may contain spaces and '=') just before UserId.
_JOB_NAME = re.compile(r'(?<!\S)JobName=.*?(?=\s+UserId=)', re.DOTALL)
# SLURM_JOB_CPUS_PER_NODE looks like '4', '4(x2)' or '2,4(x3)': the count comes first.
_CPU_COUNT = re.compile(r'(\d{1,9})(?:\(x\d+\))?(?:,|$)')

Runner = Callable[..., subprocess.CompletedProcess]


def parse_duration(text: str) -> float | None:
    """Seconds in a Slurm time string, or None when it is unlimited, unset or not a duration.

    Accepts what sbatch --time accepts: 'MM', 'MM:SS', 'HH:MM:SS', 'D-HH', 'D-HH:MM',
    'D-HH:MM:SS'. Like Slurm, fields are not range-checked ('90' is 90 minutes).
    """
    if not isinstance(text, str):
        return None
    text = text.strip()
    if text.upper() in _NO_DURATION:
        return None
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    days, first, second, third = match.groups()
    if days is not None:  # D-HH[:MM[:SS]]
        hours, minutes, seconds = int(first), int(second or 0), int(third or 0)
        return float(((int(days) * 24 + hours) * 60 + minutes) * 60 + seconds)
    if third is not None:  # HH:MM:SS
        return float((int(first) * 60 + int(second)) * 60 + int(third))
    return float(int(first) * 60 + int(second or 0))  # MM[:SS]


@dataclass(frozen=True)
class SlurmJob:
    """What the agent needs from one `scontrol show job` record."""

    job_id: str
    state: str | None
    time_limit_s: float | None
    run_time_s: float | None

    @property
    def remaining_s(self) -> float | None:
        """Seconds until the time limit; None when the job has no (known) limit.

        RunTime excludes time spent suspended, and Slurm pushes the end back by as much, so
        limit - run time is the walltime left even for a job that was suspended.
        """
        if self.time_limit_s is None or self.run_time_s is None:
            return None
        return max(0.0, self.time_limit_s - self.run_time_s)


def _fields(output: str) -> Iterator[tuple[str, str]]:
    """(key, value) pairs in order; a word without '=' continues the previous value."""
    key: str | None = None
    words: list[str] = []
    for token in output.split():
        match = _FIELD.fullmatch(token)
        if match is None:
            if key is not None:  # a value with spaces, e.g. WorkDir=/my dir
                words.append(token)
            continue
        if key is not None:
            yield key, ' '.join(words)
        key, words = match[1], [match[2]]
    if key is not None:
        yield key, ' '.join(words)


def parse_scontrol_job(output: str) -> SlurmJob | None:
    """The first job record in `scontrol show job [-o]` output, or None if there is none.

    Both the one-line (-o) and the multi-line layout are the same Key=Value fields separated
    by whitespace. Later fields such as Command= may contain 'RunTime=...' text of their own,
    so the first occurrence of each key wins; a second JobId= starts the next record.
    """
    # JobName is the only free text before the fields we read; blank it so a job named
    # 'x TimeLimit=9' cannot shadow the real TimeLimit.
    output = _JOB_NAME.sub('JobName=', output, count=1)
    found: dict[str, str] = {}
    for key, value in _fields(output):
        if key == 'JobId' and 'JobId' in found:
            break
        found.setdefault(key, value)
    job_id = found.get('JobId', '').strip()
    if not job_id:
        return None
    return SlurmJob(
        job_id=job_id,
        state=found.get('JobState') or None,
        time_limit_s=parse_duration(found.get('TimeLimit', '')),
        run_time_s=parse_duration(found.get('RunTime', '')),
    )


def job_id_from_env(environ: Mapping[str, str]) -> str | None:
    """The job id of the allocation we run in (SLURM_JOBID is the older spelling)."""
    for name in ('SLURM_JOB_ID', 'SLURM_JOBID'):
        value = environ.get(name, '').strip()
        if value:
            return value
    return None


def cpus_from_env(environ: Mapping[str, str]) -> int | None:
    """CPUs Slurm gave this job on this node, or None outside Slurm or when unreadable.

    SLURM_CPUS_ON_NODE is this node's count. SLURM_JOB_CPUS_PER_NODE ('2,4(x3)') lists the
    counts per node of the allocation in node-list order; its first count is the batch host's,
    which is where the agent runs when it is the batch script.
    """
    for name in ('SLURM_CPUS_ON_NODE', 'SLURM_JOB_CPUS_PER_NODE'):
        match = _CPU_COUNT.match(environ.get(name, '').strip())
        if match and int(match[1]) > 0:
            return int(match[1])
    return None


def query_job(job_id: str, run: Runner = subprocess.run,
              timeout_s: float = 10) -> SlurmJob | None:
    """Ask scontrol about one job; None (with one warning logged) when it cannot answer."""
    argv = ['scontrol', 'show', 'job', '-o', job_id]
    try:
        done = run(argv, capture_output=True, text=True, timeout=timeout_s)
    except OSError as exc:  # FileNotFoundError: no Slurm client on this host
        log.warning('cannot run scontrol (%s); walltime unknown', exc)
        return None
    except subprocess.TimeoutExpired:  # a controller that is down or swamped
        log.warning('scontrol show job %s timed out after %ss; walltime unknown', job_id, timeout_s)
        return None
    if done.returncode != 0:
        detail = (done.stderr or '').strip()[:200]
        log.warning('scontrol show job %s exited %s (%s); walltime unknown',
                    job_id, done.returncode, detail)
        return None
    job = parse_scontrol_job(done.stdout or '')
    if job is None:
        log.warning('scontrol show job %s printed no job record; walltime unknown', job_id)
    return job


def walltime_end(environ: Mapping[str, str], now: float,
                 run: Runner = subprocess.run) -> float | None:
    """When this job's allocation ends (on the caller's clock), or None if unknown/unlimited.

    Take `now` just before calling: RunTime is read a moment later, so the answer errs early.
    """
    job_id = job_id_from_env(environ)
    if job_id is None:  # off-cluster: nothing to ask and nothing worth a warning
        return None
    job = query_job(job_id, run=run)
    if job is None or job.remaining_s is None:
        return None
    return now + job.remaining_s
