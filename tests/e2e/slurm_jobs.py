"""Watching jobs on the test Slurm cluster: `scontrol show job -o` (it has no accounting, so no sacct)."""

import re
import subprocess
import time

import pytest

ACTIVE = {'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'RESIZING'}


def slurm(*args: str) -> subprocess.CompletedProcess:
    """A Slurm command's result (never raises on a non-zero exit)."""
    return subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)


def job_states(job_id: str) -> dict[str, str]:
    """{array task id, or '' for a plain job: JobState}, one entry per record scontrol shows.

    A pending array is one record ('0-2') until its tasks start, one by one.
    """
    states = {}
    for line in slurm('scontrol', 'show', 'job', '-o', job_id).stdout.splitlines():
        state = re.search(r'\bJobState=(\S+)', line)
        task = re.search(r'\bArrayTaskId=(\S+)', line)
        if state:
            states[task.group(1) if task else ''] = state.group(1)
    return states


def wait_finished(job_id: str, deadline_s: float = 60) -> dict[str, str]:
    """Poll until no record of the job is active; its final states."""
    deadline = time.monotonic() + deadline_s
    while True:
        states = job_states(job_id)
        if states and not ACTIVE & set(states.values()):
            return states
        if time.monotonic() > deadline:
            detail = slurm('scontrol', 'show', 'job', '-o', job_id).stdout
            pytest.fail(f'job {job_id} not finished after {deadline_s} s: {states}\n{detail}')
        time.sleep(0.5)
