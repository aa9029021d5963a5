"""What an agent is told to do (`AgentConfig`) and what it tells the coordinator about its node."""

import dataclasses
import os
import socket
import uuid
from pathlib import Path


@dataclasses.dataclass
class AgentConfig:
    run: str | None  # None: serve the project's work of every family
    command: list[str] | None  # None: the run's stored command template
    slots: int
    log_dir: Path
    max_idle_s: float = 120.0  # leave after this long with nothing to do
    grace_s: float = 20.0  # when draining, how long running tasks may go on before handed back
    # leaving, how long to try to deliver the last results and say goodbye to an absent coordinator
    farewell_s: float = 5.0
    margin_s: float = 30.0  # a task must end this long before the walltime to be claimed
    poll_s: float = 0.05
    idle_poll_s: float = 2.0  # between claims while the run has nothing waiting
    connect_timeout_s: float = 300.0  # at start only: later, outages are waited out
    uuid: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    ready_file: Path | None = None  # written (the uuid) once registered, for whoever started us
    job_types: list[str] | None = None  # serve: the job type names it serves (None: any)


@dataclasses.dataclass
class Node:
    """What the agent tells the coordinator about where it runs."""

    hostname: str = dataclasses.field(default_factory=socket.gethostname)
    pid: int = dataclasses.field(default_factory=os.getpid)
    cpus: int | None = None
    memory_bytes: int | None = None
    slurm_job_id: str | None = None
    walltime_end_at: float | None = None
